-- incidents.incident_services: one row per incident in incidents.scope_incidents × CFS it hurt,
-- with the minutes (overlapping stretches count once). The rules are those of
-- core.service_fault_intervals, applied per incident to its windows (incidents.incident_windows):
-- * a window on something the service depends on without protection (core.cfs_resources:
--   not through a redundant edge or a redundant RFS binding, not only through serving cells);
-- * a window on a cell, or above cells (a site, its backhaul), reaches a mobile service when
--   the cells behind it carry at least `cell_share_min` of the service's traffic that day
--   (core.service_access_shares; the threshold from incidents.params, the same Params field
--   the marts read from core.impact_params);
-- * windows on the members of a redundant pool (n-of-m, 1+1; core.redundant_pools) take the
--   pool down while more than members − minUp of them overlap, and with it every service using
--   the pool: the macro pool_outages (pipelines/platform/sql/macros.sql), the marts' own rule.
-- Only services in service at the time count (core.cfs start and end dates).
delete from incidents.incident_services
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incident_services
with p as (select * from incidents.params),
w as (
    select incident_id, resource_id, starts, ends
    from incidents.incident_windows
    where incident_id in (select incident_id from incidents.scope_incidents) and ends > starts
),
pool_windows as (   -- an incident's windows count together
    select incident_id as group_key, resource_id, starts, ends, false as planned,
           false as is_root
    from w
),
direct as (
    select w.incident_id, c.service_id, w.starts, w.ends, 'dependency' as via
    from w
    join core.cfs_resources c
      on c.resource_id = w.resource_id and not c.protected and not c.via_cells_only
),
window_days as (
    select w.*, cast(d.day_start as date) as date,
           greatest(w.starts, d.day_start) as piece_start,
           least(w.ends, d.day_start + interval 1 day) as piece_end
    from w,
         unnest(generate_series(date_trunc('day', w.starts),
                                date_trunc('day', w.ends - interval 1 microsecond),
                                interval 1 day)) as d(day_start)
),
through_cells as (
    select wd.incident_id, s.service_id, wd.piece_start as starts, wd.piece_end as ends,
           'cells' as via
    from window_days wd
    join core.resource_ancestors ra on ra.ancestor_id = wd.resource_id and not ra.protected
    join core.resources r on r.resource_id = ra.resource_id and r.resource_type = 'cell'
    join core.service_access_shares s on s.resource_id = ra.resource_id and s.date = wd.date
    group by wd.incident_id, s.service_id, wd.resource_id, wd.piece_start, wd.piece_end
    having sum(s.share) >= (select cell_share_min from p)
),
pools_down as (   -- redundant pools down, the rule and its pools those of the service marts
    select o.group_key as incident_id, l.service_id, o.starts, o.ends, 'pool' as via
    from pool_outages('pool_windows', 'core.redundant_pools') o
    join stg.service_links l on l.supporting_service_id = o.rfs_id
),
exposed as (
    select e.* from (select * from direct union all select * from pools_down) e
    join core.cfs c on c.service_id = e.service_id
    where (c.start_date is null or c.start_date <= cast(e.ends as date))
      and (c.end_date is null or c.end_date > cast(e.starts as date))
    union all
    select * from through_cells
),
ordered as (
    select *, max(ends) over (partition by incident_id, service_id order by starts, ends
                              rows between unbounded preceding and 1 preceding) as reach
    from exposed
),
islands as (
    select *, sum(case when reach is null or starts > reach then 1 else 0 end)
                  over (partition by incident_id, service_id order by starts, ends) as island
    from ordered
),
merged as (
    select incident_id, service_id, island, min(starts) as starts, max(ends) as ends,
           min(via) as via
    from islands
    group by incident_id, service_id, island
)
select m.incident_id, m.service_id, c.customer_id, c.cfs_type, c.segment, min(m.via) as via,
       sum(date_diff('second', m.starts, m.ends)) / 60.0 as impact_minutes,
       min(m.starts) as first_at, max(m.ends) as last_at
from merged m
join core.cfs c on c.service_id = m.service_id
group by m.incident_id, m.service_id, c.customer_id, c.cfs_type, c.segment;
