-- model: core.cfs_resources
-- kind: whole
-- grain: service_id, resource_id
-- not_null: service_id, resource_id
-- inputs: core.cfs, core.resource_ancestors, core.resources, stg.catalog_specs, stg.service_links,
--     stg.service_resources, stg.services
-- feeds: services, catalog
-- core.cfs_resources: one row per CFS × every resource it depends on: the resources its RFS are
-- bound to and all their ancestors. `protected` is true when the resource can fail alone without
-- interrupting the service: reached only through redundant edges, or bound by an RFS whose spec
-- is redundant (1+1, n-of-m: the DNS pool, the IMS pair) to several resources.
create or replace table core.cfs_resources as
with links as (
    select l.service_id as cfs_id, l.supporting_service_id as rfs_id
    from stg.service_links l
    join core.cfs on core.cfs.service_id = l.service_id
),
rfs as (
    select s.service_id as rfs_id, coalesce(c.redundancy_mode, 'none') as redundancy_mode
    from stg.services s
    left join stg.catalog_specs c on c.spec_id = s.spec_id
    where s.category = 'RFS'
),
bindings as (
    select b.service_id as rfs_id, b.resource_id,
           count(*) over (partition by b.service_id) as bound_resources
    from stg.service_resources b
),
bound as (
    select links.cfs_id, bindings.resource_id, r.resource_type,
           rfs.redundancy_mode <> 'none' and bindings.bound_resources > 1 as redundant_binding
    from links
    join bindings on bindings.rfs_id = links.rfs_id
    join rfs on rfs.rfs_id = links.rfs_id
    join core.resources r on r.resource_id = bindings.resource_id
),
final as (
    select
        bound.cfs_id                                          as service_id,
        a.ancestor_id                                         as resource_id,
        min(a.depth)                                          as depth,
        bool_and(a.protected or bound.redundant_binding)      as protected,
        -- reached only through the subscriber's serving cells: how much a fault there hurts
        -- depends on the cells' share of its traffic (core.service_access_shares)
        bool_and(bound.resource_type = 'cell')                as via_cells_only
    from bound
    join core.resource_ancestors a on a.resource_id = bound.resource_id
    group by all
)
select * from final
order by service_id, depth, resource_id;
