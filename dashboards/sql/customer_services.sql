-- One customer's services over the period ($customer_id, $start … $end): one row per service
-- with its type, days in service, mean experience index, poor days, the reason of its worst
-- poor day, and the minutes a service-affecting fault was open on something it depends on
-- (service_daily's outage minutes; NULL, "not measured", without an alarm feed). Each part of
-- the index (score_*) is its mean over the days it was measured, NULL when it never was, and
-- `coverage` the mean share of the index's weight that was measured. Both tables are sorted by
-- customer in the snapshot, so this reads a few row groups.
with experience as (
    select service_id, cfs_type,
           count(*)                                               as days,
           avg(sei)                                               as experience,
           count(*) filter (where poor)                           as poor_days,
           arg_min(driver_text, sei) filter (where poor)          as worst_reason,
           avg(score_availability) as score_availability, avg(score_accessibility)
               as score_accessibility, avg(score_retainability) as score_retainability,
           avg(score_throughput) as score_throughput, avg(score_latency) as score_latency,
           avg(score_loss) as score_loss, avg(score_voice) as score_voice,
           avg(score_video) as score_video, avg(coverage) as coverage
    from service_experience_daily
    where customer_id = $customer_id and date between $start and $end
    group by service_id, cfs_type
),
faults as (
    select service_id, sum(outage_minutes)                        as outage_minutes
    from service_daily
    where customer_id = $customer_id and date between $start and $end
    group by service_id
)
select e.service_id, e.cfs_type, e.days, e.experience, e.poor_days,
       f.outage_minutes,
       e.worst_reason,
       e.* exclude (service_id, cfs_type, days, experience, poor_days, worst_reason)
from experience e
left join faults f using (service_id)
order by e.service_id
