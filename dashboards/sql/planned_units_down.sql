-- The units (whatif.units, built with the incidents: models/whatif/sql/units.sql) planned work
-- on $resources takes down: each resource's own ('R:' + id) and every redundant pool it takes
-- down whole ('P:' + RFS id): a pool is down when more than members − min_up of its members are
-- in the work, the rule of pool_outages (pipelines/platform/sql/macros.sql) for windows that
-- coincide, as one work's do. planned_services.sql and planned_profile.sql read these units.
with chosen as (
    select distinct unnest(cast($resources as varchar[])) as resource_id
),
pools_down as (
    select m.rfs_id
    from pool_members m
    join chosen c on c.resource_id = m.resource_id
    group by m.rfs_id, m.members, m.min_up
    having count(*) > m.members - m.min_up
)
select 'R:' || resource_id as unit_id from chosen
union
select 'P:' || rfs_id from pools_down
order by unit_id
