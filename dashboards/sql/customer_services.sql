-- One customer's services over the period ($customer_id, $start … $end): one row per service
-- with its type, days in service, mean experience index, poor days, the reason of its worst
-- poor day, and the minutes a service-affecting fault was open on something it depends on
-- (service_fault_intervals, the stretches service_daily's outage minutes are made of).
with services as (
    select service_id, cfs_type,
           count(*)                                               as days,
           avg(sei)                                               as experience,
           count(*) filter (where poor)                           as poor_days,
           arg_min(driver_text, sei) filter (where poor)          as worst_reason
    from service_experience_daily
    where customer_id = $customer_id and date between $start and $end
    group by service_id, cfs_type
),
faults as (
    select service_id, sum(date_diff('second', starts, ends)) / 60.0 as outage_minutes
    from service_fault_intervals
    where service_id in (select service_id from services) and date between $start and $end
    group by service_id
)
select s.service_id, s.cfs_type, s.days, s.experience, s.poor_days,
       coalesce(f.outage_minutes, 0)                              as outage_minutes,
       s.worst_reason
from services s
left join faults f using (service_id)
order by s.service_id
