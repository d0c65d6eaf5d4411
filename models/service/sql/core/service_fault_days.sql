-- model: core.service_fault_days
-- kind: partitioned
-- grain: service_id, date
-- not_null: service_id, date
-- inputs: core.service_fault_intervals
-- feeds: services, catalog, alarms
-- core.service_fault_days: one row per CFS per UTC day with any fault stretch
-- (core.service_fault_intervals): the minutes a service-affecting fault was open on something
-- it depends on, whether any of it was planned maintenance, the resource behind the longest
-- stretch and when the first began.
-- Partitioned by `date`.
select
    service_id,
    date,
    sum(date_diff('second', starts, ends) / 60.0)   as fault_minutes,
    bool_or(planned)                                 as planned,
    first(first_resource_id order by ends - starts desc, starts) as fault_resource_id,
    min(starts)                                      as first_fault_at
from core.service_fault_intervals
where date in (select date from _scope)
group by all
