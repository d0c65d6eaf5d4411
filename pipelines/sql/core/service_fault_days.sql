-- core.service_fault_days: one row per CFS per UTC day on which a service-affecting alarm was
-- open on something the service depends on without protection, or on enough members of a
-- redundant pool (n-of-m) to take the pool down: the minutes covered (overlapping alarms count
-- once, alarm times snapped outwards to the 15-minute PM grid), and whether any of it was
-- planned maintenance. An alarm with no clear at all counts
-- until the end of the data (the last PM interval); a symptom ends with its root (core.alarms).
create schema if not exists core;

create or replace table core.service_fault_days as
with data_end as (
    select max(interval_start) + interval 15 minute as data_end from stg.kpi_15min
),
alarms as (
    -- snapped outwards to the 15-minute PM grid that experience is measured on
    select alarm_id, alarmed_object_id, planned_outage,
           time_bucket(interval 15 minute, raised_at)                     as raised_at,
           time_bucket(interval 15 minute, coalesce(effective_cleared_at,
                       (select data_end from data_end)) - interval 1 microsecond)
               + interval 15 minute                                       as cleared_at
    from core.alarms
    where service_affecting and raised_at is not null
),
-- redundant RFS bindings (the DNS pool, the IMS pair): down while more than
-- (members − minUp) of the bound resources have an alarm open
pools as (
    select b.service_id as rfs_id, b.resource_id, c.min_up,
           count(*) over (partition by b.service_id) as members
    from stg.service_resources b
    join stg.services s on s.service_id = b.service_id
    join stg.catalog_specs c on c.spec_id = s.spec_id
    where c.redundancy_mode <> 'none'
),
member_edges as (
    select p.rfs_id, p.members, p.min_up, a.raised_at as edge_at, 1 as delta, a.planned_outage
    from pools p join alarms a on a.alarmed_object_id = p.resource_id
    union all
    select p.rfs_id, p.members, p.min_up, a.cleared_at, -1, a.planned_outage
    from pools p join alarms a on a.alarmed_object_id = p.resource_id
),
members_down as (
    select *, sum(delta) over (partition by rfs_id order by edge_at, delta
                               rows between unbounded preceding and current row) as down,
              lead(edge_at) over (partition by rfs_id order by edge_at, delta) as next_at
    from member_edges
),
pool_outages as (
    select l.service_id, d.edge_at as starts, d.next_at as ends, d.planned_outage
    from members_down d
    join stg.service_links l on l.supporting_service_id = d.rfs_id
    where d.down > d.members - d.min_up and d.next_at > d.edge_at
),
-- through serving cells, a fault hurts a mobile service when the cells behind it usually
-- carry at least 30 % of the service's traffic
cell_exposure as (
    select s.service_id, a.raised_at as starts, a.cleared_at as ends, a.planned_outage
    from alarms a
    join core.resource_ancestors ra on ra.ancestor_id = a.alarmed_object_id and not ra.protected
    join core.cfs_cell_shares s on s.cell_id = ra.resource_id
    where a.cleared_at > a.raised_at
    group by s.service_id, a.alarm_id, a.raised_at, a.cleared_at, a.planned_outage
    having sum(s.share) >= 0.3
),
exposed as (
    select c.service_id, a.raised_at as starts, a.cleared_at as ends, a.planned_outage
    from alarms a
    join core.cfs_resources c on c.resource_id = a.alarmed_object_id
     and not c.protected and not c.via_cells_only
    where a.cleared_at > a.raised_at
    union all
    select * from cell_exposure
    union all
    select * from pool_outages
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
