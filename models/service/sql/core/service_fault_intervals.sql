-- model: core.service_fault_intervals
-- kind: partitioned
-- grain: service_id, date, starts
-- not_null: service_id, date, starts, ends
-- inputs: core.alarms, core.cfs_resources, core.impact_params, core.redundant_pools,
--     core.resource_ancestors, core.resources, core.service_access_shares, stg.kpi_15min,
--     stg.service_links
-- feeds: services, catalog, alarms
-- core.service_fault_intervals: one row per CFS per UTC day per stretch of time during which a
-- service-affecting alarm was open on something the service depends on without protection, or
-- on enough members of a redundant pool to take the pool down (n-of-m: the macro pool_outages
-- over core.redundant_pools), or on the cells behind at least `cell_share_min` of a mobile
-- service's usual traffic that day (core.service_access_shares; the threshold is the incident
-- models' own, core.impact_params). The same rules, per incident, decide which services an
-- incident hurt (models/incidents/sql/incident_services.sql). Overlapping alarms merge into
-- one stretch; stretches are cut at midnight UTC. Alarm times are snapped outwards to the
-- 15-minute PM grid that experience is measured on. An alarm with no clear at all counts until
-- the end of the data (the last PM interval); a symptom ends with its root (core.alarms).
-- `planned` marks stretches that include planned maintenance; `first_resource_id` is the
-- resource whose alarm began the stretch.
-- Partitioned by `date`.
with data_end as (
    select max(interval_start) + interval 15 minute as data_end from stg.kpi_15min
),
scope_span as (
    select cast(min(date) as timestamp) as lo, cast(max(date) as timestamp) + interval 1 day as hi
    from _scope
),
alarms as (
    select alarm_id, alarmed_object_id, planned_outage, coalesce(is_root_cause, false) as is_root,
           time_bucket(interval 15 minute, raised_at)                     as raised_at,
           time_bucket(interval 15 minute, coalesce(effective_cleared_at,
                       (select data_end from data_end)) - interval 1 microsecond)
               + interval 15 minute                                       as cleared_at
    from core.alarms
    where service_affecting and raised_at is not null
),
pool_windows as (   -- every alarm of the network counts together
    select 'network' as group_key, alarmed_object_id as resource_id, raised_at as starts,
           cleared_at as ends, planned_outage as planned, is_root
    from alarms
),
-- redundant pools (the DNS pool, the IMS pair) down, and the services they serve
pools_down as (
    select l.service_id, o.starts, o.ends, o.planned as planned_outage,
           o.resource_id as alarmed_object_id, o.is_root
    from pool_outages('pool_windows', 'core.redundant_pools') o
    join stg.service_links l on l.supporting_service_id = o.rfs_id
),
-- alarms cut into their UTC days, for the day's traffic shares
alarm_days as (
    select a.*, cast(d.day_start as date) as date,
           greatest(a.raised_at, d.day_start) as piece_start,
           least(a.cleared_at, d.day_start + interval 1 day) as piece_end
    from alarms a,
         unnest(generate_series(date_trunc('day', a.raised_at),
                                date_trunc('day', a.cleared_at - interval 1 microsecond),
                                interval 1 day)) as d(day_start)
    where a.cleared_at > a.raised_at
      and a.cleared_at > (select lo from scope_span) and a.raised_at < (select hi from scope_span)
),
-- through serving cells, a fault hurts a mobile service when the cells behind it carry at
-- least cell_share_min of the service's usual traffic that day
cell_exposure as (
    select s.service_id, a.planned_outage, a.alarmed_object_id, a.is_root, a.date,
           a.piece_start as starts, a.piece_end as ends
    from alarm_days a
    join core.resource_ancestors ra on ra.ancestor_id = a.alarmed_object_id and not ra.protected
    join core.resources r on r.resource_id = ra.resource_id and r.resource_type = 'cell'
    join core.service_access_shares s on s.resource_id = ra.resource_id and s.date = a.date
    where a.date in (select date from _scope)
    group by s.service_id, a.alarm_id, a.alarmed_object_id, a.is_root, a.date, a.piece_start,
             a.piece_end,
             a.planned_outage
    having sum(s.share) >= (select cell_share_min from core.impact_params)
),
exposed as (
    select c.service_id, a.raised_at as starts, a.cleared_at as ends, a.planned_outage,
           a.alarmed_object_id, a.is_root
    from alarms a
    join core.cfs_resources c on c.resource_id = a.alarmed_object_id
     and not c.protected and not c.via_cells_only
    where a.cleared_at > a.raised_at
    union all
    select * from pools_down
),
exposed_days as (   -- cut at midnight, like the cell pieces
    select e.service_id, e.planned_outage, e.alarmed_object_id, e.is_root,
           cast(d.day_start as date) as date,
           greatest(e.starts, d.day_start) as starts,
           least(e.ends, d.day_start + interval 1 day) as ends
    from exposed e,
         unnest(generate_series(date_trunc('day', e.starts),
                                date_trunc('day', e.ends - interval 1 microsecond),
                                interval 1 day)) as d(day_start)
    where e.ends > (select lo from scope_span) and e.starts < (select hi from scope_span)
    union all
    select * from cell_exposure
),
ordered as (   -- merge overlapping stretches per service-day: gaps and islands
    select *, max(ends) over (partition by service_id, date order by starts, ends
                              rows between unbounded preceding and 1 preceding) as reach
    from exposed_days
    where date in (select date from _scope)
),
islands as (
    select *, sum(case when reach is null or starts > reach then 1 else 0 end)
                  over (partition by service_id, date order by starts, ends) as island
    from ordered
)
select service_id, date, min(starts) as starts, max(ends) as ends,
       bool_or(planned_outage) as planned,
       -- where the stretch began: the earliest root-cause alarm's resource, else the earliest
       first(alarmed_object_id order by starts, is_root desc, alarmed_object_id)
           as first_resource_id
from islands
group by service_id, date, island
