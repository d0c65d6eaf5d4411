-- model: core.cfs_access
-- kind: whole
-- grain: service_id, resource_id
-- not_null: service_id, resource_id
-- inputs: core.cfs, core.resources, stg.service_links, stg.service_resources
-- feeds: services, catalog
-- core.cfs_access: one row per CFS × access resource that serves it (the PON port of a fixed
-- line, the usual serving cells of a mobile subscription), reached CFS → RFS → resource.
create or replace table core.cfs_access as
with links as (
    select service_id as cfs_id, supporting_service_id as rfs_id from stg.service_links
),
bindings as (
    select service_id as rfs_id, resource_id from stg.service_resources
),
resources as (
    select resource_id, resource_type from core.resources
),
final as (
    select distinct
        links.cfs_id as service_id,
        r.resource_id,
        r.resource_type
    from links
    join bindings b on b.rfs_id = links.rfs_id
    join resources r on r.resource_id = b.resource_id
    join core.cfs on core.cfs.service_id = links.cfs_id
    where r.resource_type in ('pon_port', 'cell')
)
select * from final;
