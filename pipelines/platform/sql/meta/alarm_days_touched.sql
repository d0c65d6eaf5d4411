-- Every UTC day an alarm with an event on $day was open: the days a changed alarm touches.
with touched as (
    select distinct alarm_id from stg.alarm_events where cast(event_time as date) = $day
),
data_end as (
    select max(interval_start) + interval 15 minute as data_end from stg.kpi_15min
),
spans as (
    select a.raised_at,
           coalesce(a.effective_cleared_at, (select data_end from data_end)) as ends
    from core.alarms a
    join touched using (alarm_id)
    where a.raised_at is not null
)
select distinct cast(d.day as date)
from spans,
     unnest(generate_series(date_trunc('day', raised_at),
                            date_trunc('day', greatest(ends, raised_at)), interval 1 day)) as d(day)
