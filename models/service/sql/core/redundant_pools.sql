-- model: core.redundant_pools
-- kind: whole
-- grain: rfs_id, resource_id
-- not_null: rfs_id, resource_id
-- inputs: stg.catalog_specs, stg.service_resources, stg.services
-- feeds: services, catalog
-- core.redundant_pools: one row per member of a redundant pool: a resource bound to an RFS whose
-- spec is redundant (n-of-m, 1+1: the DNS resolver pool, the IMS pair), with the pool's size
-- (`members`: the resources the RFS is bound to) and how many of them must be up for it to work
-- (`min_up`). A pool is down while more than members − min_up of its members are: the macro
-- pool_outages (pipelines/platform/sql/macros.sql) applies that rule to fault windows, for
-- core.service_fault_intervals (alarms) and incidents.incident_services (each incident's).
create schema if not exists core;

create or replace table core.redundant_pools as
select b.service_id as rfs_id, b.resource_id, c.min_up,
       count(*) over (partition by b.service_id) as members
from stg.service_resources b
join stg.services s on s.service_id = b.service_id
join stg.catalog_specs c on c.spec_id = s.spec_id
where c.redundancy_mode <> 'none';
