-- One customer's services over the period ($customer_id, $start … $end): one row per service
-- with its type, days in service, mean experience index, poor days, the minutes a
-- service-affecting fault was open on something it depends on (NULL, "not measured", without
-- an alarm feed) and the reason of its worst poor day. Each part of the index (score_*) is its
-- mean over the days it was measured, NULL when it never was, and `coverage` the mean share of
-- the index's weight that was measured. The table is sorted by customer in the snapshot, so
-- this reads a few row groups.
select service_id, cfs_type,
       count(*)                                               as days,
       avg(sei)                                               as experience,
       count(*) filter (where poor)                           as poor_days,
       sum(outage_minutes)                                    as outage_minutes,
       arg_min(driver_text, sei) filter (where poor)          as worst_reason,
       avg(score_availability) as score_availability, avg(score_accessibility)
           as score_accessibility, avg(score_retainability) as score_retainability,
       avg(score_throughput) as score_throughput, avg(score_latency) as score_latency,
       avg(score_loss) as score_loss, avg(score_voice) as score_voice,
       avg(score_video) as score_video, avg(coverage) as coverage
from service_experience_daily
where customer_id = $customer_id and date between $start and $end
group by service_id, cfs_type
order by service_id
