-- model: core.access_paths
-- kind: whole
-- grain: access_id, resource_id
-- not_null: access_id, resource_id
-- inputs: core.resource_ancestors, core.resources
-- feeds: topology|kpis
-- core.access_paths: one row per access resource (PON port, cell) × every resource its traffic
-- crosses on the way to the core, itself included (depth 0), with the share of that traffic
-- crossing it: 1 on a single path, 1/n where n parallel resources of one type sit at the same
-- depth (a 1+1 uplink pair carries half each, dual-homed aggregation splits over the core pair).
-- What a service experiences is its access resources' path KPIs, weighted by these shares.
create or replace table core.access_paths as
with access as (
    select resource_id from core.resources where resource_type in ('pon_port', 'cell')
),
path as (
    select a.resource_id as access_id, ra.ancestor_id as resource_id, ra.depth,
           r.resource_type
    from access a
    join core.resource_ancestors ra on ra.resource_id = a.resource_id
    join core.resources r on r.resource_id = ra.ancestor_id
),
final as (
    select access_id, resource_id, resource_type, depth,
           1.0 / count(*) over (partition by access_id, depth, resource_type) as weight
    from path
)
select * from final
order by access_id, depth, resource_id;
