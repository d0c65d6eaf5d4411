-- The services planned work on $resources hurts, as the planned-work page shows them: one row
-- per CFS. Looked up, not computed: each resource's own services (unit 'R:' + id) and those of
-- every redundant pool the work takes down whole (unit 'P:' + RFS id), both computed in the run
-- by the incident rules (the macro services_hurt: models/whatif/sql/units.sql). A pool is down
-- when more than members − min_up of its members are in the work: the rule of pool_outages
-- (pipelines/platform/sql/macros.sql) for windows that coincide, as one work's do.
-- $minutes: how long the work lasts (every service it hurts is hurt throughout).
with chosen as (
    select distinct unnest(cast($resources as varchar[])) as resource_id
),
pools_down as (
    select m.rfs_id
    from pool_members m
    join chosen c on c.resource_id = m.resource_id
    group by m.rfs_id, m.members, m.min_up
    having count(*) > m.members - m.min_up
),
unit_ids as (
    select 'R:' || resource_id as unit_id from chosen
    union
    select 'P:' || rfs_id from pools_down
)
select service_id, any_value(customer_id) as customer_id, any_value(cfs_type) as cfs_type,
       any_value(segment) as segment, min(via) as via, any_value(region) as region,
       any_value(monthly_charges_eur) as monthly_charges_eur, any_value(sla_pct) as sla_pct,
       (1 - any_value(sla_pct) / 100) * 30 * 24 * 60 as sla_allowed_minutes,
       cast($minutes as double) as impact_minutes
from unit_services
where unit_id in (select unit_id from unit_ids)
group by service_id
order by service_id
