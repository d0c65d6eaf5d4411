-- core.service_fault_days: one row per CFS per UTC day on which a service-affecting alarm was
-- open on something the service depends on without protection: the minutes covered (root and
-- symptom alarms overlapping count once), and whether any of it was planned maintenance.
-- An alarm never cleared counts until the end of the data (the last PM interval).
create schema if not exists core;

create or replace table core.service_fault_days as
with data_end as (
    select max(interval_start) + interval 15 minute as data_end from stg.kpi_15min
),
alarms as (
    select alarm_id, alarmed_object_id, raised_at, planned_outage,
           coalesce(cleared_at, (select data_end from data_end)) as cleared_at
    from core.alarms
    where service_affecting and raised_at is not null
),
exposed as (
    select c.service_id, a.raised_at as starts, a.cleared_at as ends, a.planned_outage
    from alarms a
    join core.cfs_resources c on c.resource_id = a.alarmed_object_id and not c.protected
    where a.cleared_at > a.raised_at
),
ordered as (   -- merge overlapping intervals per service: gaps and islands
    select *, max(ends) over (partition by service_id order by starts, ends
                              rows between unbounded preceding and 1 preceding) as reach
    from exposed
),
islands as (
    select *, sum(case when reach is null or starts > reach then 1 else 0 end)
                  over (partition by service_id order by starts, ends) as island
    from ordered
),
merged as (
    select service_id, island, min(starts) as starts, max(ends) as ends,
           bool_or(planned_outage) as planned
    from islands
    group by service_id, island
),
days as (
    select m.*, unnest(generate_series(date_trunc('day', m.starts),
                                       date_trunc('day', m.ends - interval 1 microsecond),
                                       interval 1 day)) as day_start
    from merged m
),
final as (
    select
        service_id,
        cast(day_start as date)                                              as date,
        sum(date_diff('second', greatest(starts, day_start),
                      least(ends, day_start + interval 1 day)) / 60.0)       as fault_minutes,
        bool_or(planned)                                                     as planned
    from days
    group by all
)
select * from final
order by date, service_id;
