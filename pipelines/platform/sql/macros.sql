-- Definitions several models share, created on every warehouse connection
-- (pipelines/platform/warehouse.py). Temporary: they live with the connection, so a warehouse built by
-- any earlier version has them too.

-- network_ticket(category): whether a care ticket is a complaint about the network service
-- (no service, slow, drops, TV signal, VPN performance, a technical problem a complaint does
-- not specify: models/care/categorise.py), as opposed to billing, moves and the
-- like. The marts' network tickets (marts/customer_daily.sql) and the churn features
-- (churn/features.sql) count the same ones.
create or replace temp macro network_ticket(category) as
    coalesce(category in ('no_service', 'no_mobile_service', 'slow_speed', 'slow_mobile_data',
                          'intermittent_connection', 'call_drops', 'tv_no_signal',
                          'tv_freezing', 'vpn_performance', 'network_problem'), false);

-- pool_outages(windows, pools): the n-of-m rule of redundant pools, the one place it is written.
-- `pools` names the members of each pool (core.redundant_pools: rfs_id, resource_id, members,
-- min_up); `windows` a relation of fault windows with the columns group_key, resource_id,
-- starts, ends, planned, is_root, where the windows of one group_key count together (every
-- alarm of the network for core.service_fault_intervals; one incident's windows for
-- incidents.incident_services). A member counts once however many of its windows overlap; a
-- pool is down while more than members − min_up of its members are (a pool of two resolvers
-- needing one is down while both are). One row per stretch a pool is down: group_key, rfs_id,
-- starts, ends, and the member whose window began the stretch (resource_id; planned and
-- is_root: whether its windows there include planned maintenance, a root cause). The CFS a
-- pool serves are those its RFS supports (stg.service_links).
create or replace temp macro pool_outages(windows, pools) as table
with member_windows as (   -- a member's overlapping windows merged first: gaps and islands
    select group_key, resource_id, min(starts) as starts, max(ends) as ends,
           bool_or(planned) as planned, bool_or(is_root) as is_root
    from (select *, sum(case when reach is null or starts > reach then 1 else 0 end)
                        over (partition by group_key, resource_id order by starts, ends)
                        as island
          from (select group_key, resource_id, starts, ends, planned, is_root,
                       max(ends) over (partition by group_key, resource_id order by starts, ends
                                       rows between unbounded preceding and 1 preceding) as reach
                from query_table(windows)
                where ends > starts))
    group by group_key, resource_id, island
),
edges as (   -- +1 when a member goes down, −1 when it comes back
    select m.group_key, p.rfs_id, p.members, p.min_up, m.resource_id, m.planned, m.is_root,
           m.starts as edge_at, 1 as delta
    from member_windows m join query_table(pools) p on p.resource_id = m.resource_id
    union all
    select m.group_key, p.rfs_id, p.members, p.min_up, m.resource_id, m.planned, m.is_root,
           m.ends, -1
    from member_windows m join query_table(pools) p on p.resource_id = m.resource_id
),
members_down as (
    select *,
           -- of simultaneous edges the last begins the stretch: a root cause's, else the
           -- member of the smallest id
           sum(delta) over (partition by group_key, rfs_id
                            order by edge_at, delta, is_root nulls first, resource_id desc
                            rows between unbounded preceding and current row) as down,
           lead(edge_at) over (partition by group_key, rfs_id
                               order by edge_at, delta, is_root nulls first, resource_id desc)
               as next_at
    from edges
)
select group_key, rfs_id, edge_at as starts, next_at as ends, resource_id, planned, is_root
from members_down
where down > members - min_up and next_at > edge_at;

-- services_hurt(windows, params): who loses service when resources are down, the one place it
-- is written for a set of windows. `windows`: a relation with group_key, resource_id, starts,
-- ends and shares_date, where the windows of one group_key count together (one incident's for
-- incidents.incident_services; one planned work's for models/whatif); `params`: a one-row
-- relation with cell_share_min (incidents.params). A service (core.cfs) is hurt by
-- * a window on something it depends on without protection (core.cfs_resources: not through a
--   redundant edge or a redundant RFS binding, not only through serving cells);
-- * a window on a cell, or above cells (a site, its backhaul), when the cells behind it carry
--   at least cell_share_min of a mobile service's traffic (core.service_access_shares) on the
--   window's day, or on `shares_date` when it is not NULL (a projection into days the shares
--   do not reach yet reads the latest day it has);
-- * windows on the members of a redundant pool (core.redundant_pools), while more than
--   members − minUp of them overlap (pool_outages above).
-- Only services in service at the time count (core.cfs start and end dates). One row per
-- group_key × service: customer, type, segment, how (`via`), the minutes (overlapping
-- stretches once) and the first and last instant hurt. Its CTEs are named hurt_* so that, expanded
-- into a caller for Spark (pipelines/platform/spark_sql.py), none repeats a caller's name.
create or replace temp macro services_hurt(windows, params) as table
with hurt_windows as (
    select group_key, resource_id, starts, ends, shares_date
    from query_table(windows)
    where ends > starts
),
hurt_pool_windows as (
    select group_key, resource_id, starts, ends, false as planned, false as is_root
    from hurt_windows
),
hurt_direct as (
    select w.group_key, c.service_id, w.starts, w.ends, 'dependency' as via
    from hurt_windows w
    join core.cfs_resources c
      on c.resource_id = w.resource_id and not c.protected and not c.via_cells_only
),
hurt_window_days as (
    select w.*, cast(d.day_start as date) as date,
           greatest(w.starts, d.day_start) as piece_start,
           least(w.ends, d.day_start + interval 1 day) as piece_end
    from hurt_windows w,
         unnest(generate_series(date_trunc('day', w.starts),
                                date_trunc('day', w.ends - interval 1 microsecond),
                                interval 1 day)) as d(day_start)
),
hurt_through_cells as (
    select wd.group_key, s.service_id, wd.piece_start as starts, wd.piece_end as ends,
           'cells' as via
    from hurt_window_days wd
    join core.resource_ancestors ra on ra.ancestor_id = wd.resource_id and not ra.protected
    join core.resources r on r.resource_id = ra.resource_id and r.resource_type = 'cell'
    join core.service_access_shares s
      on s.resource_id = ra.resource_id and s.date = coalesce(wd.shares_date, wd.date)
    group by wd.group_key, s.service_id, wd.resource_id, wd.piece_start, wd.piece_end
    having sum(s.share) >= (select min(cell_share_min) from query_table(params))
),
hurt_pools_down as (
    select o.group_key, l.service_id, o.starts, o.ends, 'pool' as via
    from pool_outages('hurt_pool_windows', 'core.redundant_pools') o
    join stg.service_links l on l.supporting_service_id = o.rfs_id
),
hurt_exposed as (
    select e.* from (select * from hurt_direct union all select * from hurt_pools_down) e
    join core.cfs c on c.service_id = e.service_id
    where (c.start_date is null or c.start_date <= cast(e.ends as date))
      and (c.end_date is null or c.end_date > cast(e.starts as date))
    union all
    select * from hurt_through_cells
),
hurt_ordered as (
    select *, max(ends) over (partition by group_key, service_id order by starts, ends
                              rows between unbounded preceding and 1 preceding) as reach
    from hurt_exposed
),
hurt_islands as (
    select *, sum(case when reach is null or starts > reach then 1 else 0 end)
                  over (partition by group_key, service_id order by starts, ends) as island
    from hurt_ordered
),
hurt_merged as (
    select group_key, service_id, island, min(starts) as starts, max(ends) as ends,
           min(via) as via
    from hurt_islands
    group by group_key, service_id, island
)
select m.group_key, m.service_id, c.customer_id, c.cfs_type, c.segment, min(m.via) as via,
       sum(date_diff('second', m.starts, m.ends)) / 60.0 as impact_minutes,
       min(m.starts) as first_at, max(m.ends) as last_at
from hurt_merged m
join core.cfs c on c.service_id = m.service_id
group by m.group_key, m.service_id, c.customer_id, c.cfs_type, c.segment;
