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
