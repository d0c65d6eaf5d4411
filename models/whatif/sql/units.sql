-- What the planned-work page looks up instead of computing (built with the incidents, published
-- in the snapshot): the services each *unit* takes down, a unit being one resource down alone
-- (`R:` + resource id) or one redundant pool down whole (`P:` + its RFS id). Work on several
-- resources hurts the union of its resources' units and of the pools it takes down (more than
-- members − min_up of their members: whatif.pool_members), which is what services_hurt
-- (pipelines/platform/sql/macros.sql) gives for windows that coincide: the macro computes every
-- unit here, so the page applies the incident rules without a second copy of them.
-- Read at whatif.reference: the latest day of traffic shares (a mobile service is behind a
-- site when its cells carry ≥ cell_share_min of its traffic that day), for the first hour of
-- that day (the services in service then).
--   whatif.reference     one row: shares_date, starts
--   whatif.unit_services one row per unit × CFS it hurts, with what the page shows of it
--                        and the service and customer as dense integer keys
--   whatif.units         one row per unit: the resource or pool, its services and customers
--   whatif.pool_members  one row per pool member (core.redundant_pools)
--   whatif.unit_access   one row per unit × access resource it takes traffic from (as
--                        planned_access.sql), for the least-harm window
create schema if not exists whatif;

create or replace table whatif.reference as
with last_day as (
    select coalesce((select max(date) from core.service_access_shares),
                    (select max(date) from core.resource_hourly)) as shares_date
)
select shares_date, cast(shares_date as timestamp) as starts from last_day;

create or replace table whatif.unit_services as
with p as (select cell_share_min from core.impact_params),
ref as (select * from whatif.reference),
w as (
    select 'R:' || r.resource_id as group_key, r.resource_id, ref.starts,
           ref.starts + interval 1 hour as ends, ref.shares_date
    from core.resources r, ref
),
-- A pool's unit is the services its RFS supports (the services_hurt rule for a pool that is
-- down), not services_hurt over all its members' windows: those would also take down every
-- other pool of the same members (at scale 1, hundreds of RFS share one pair of resolvers:
-- a million pool outages, a run that never ended), and the page unions the units of every
-- pool the chosen resources take down anyway.
pool_services as (
    select distinct 'P:' || p.rfs_id as group_key, c.service_id, c.customer_id, c.cfs_type,
           c.segment, 'pool' as via
    from (select distinct rfs_id from core.redundant_pools) p
    join stg.service_links l on l.supporting_service_id = p.rfs_id
    join core.cfs c on c.service_id = l.service_id
    cross join ref
    where (c.start_date is null or c.start_date <= cast(ref.starts + interval 1 hour as date))
      and (c.end_date is null or c.end_date > cast(ref.starts as date))
),
hurt as (
    select group_key, service_id, customer_id, cfs_type, segment, via
    from services_hurt('w', 'p')
    union all
    select group_key, service_id, customer_id, cfs_type, segment, via from pool_services
),
sla as (
    select service_id,
           try_cast(json_extract_string(characteristics, '$.slaAvailabilityPct') as double)
               as sla_pct
    from stg.services
    where category = 'CFS'
)
select h.group_key as unit_id, h.service_id, h.customer_id, h.cfs_type, h.segment, h.via,
       coalesce(c.region, 'unknown') as region, c.monthly_charges_eur, sla.sla_pct,
       -- the ids as dense integers: the page groups a choice's services and customers on
       -- these (a third of the time of grouping on the ids, 660,000 services at scale 10)
       cast(dense_rank() over (order by h.service_id) as integer) as service_key,
       cast(dense_rank() over (order by h.customer_id) as integer) as customer_key
from hurt h
left join stg.customers c on c.customer_id = h.customer_id
left join sla on sla.service_id = h.service_id
order by unit_id, service_id;

create or replace table whatif.pool_members as
select rfs_id, resource_id, members, min_up from core.redundant_pools
order by resource_id, rfs_id;

create or replace table whatif.unit_access as
with ref as (select * from whatif.reference),
access as (
    select distinct access_id as resource_id from core.access_paths where depth = 0
),
by_services as (
    select distinct u.unit_id, s.resource_id as access_id
    from whatif.unit_services u
    join core.service_access_shares s
      on s.service_id = u.service_id and s.date = (select shares_date from ref)
),
behind as (
    select 'R:' || ra.ancestor_id as unit_id, ra.resource_id as access_id
    from core.resource_ancestors ra
    join access a on a.resource_id = ra.resource_id
    where not ra.protected
    union
    select 'R:' || resource_id, resource_id from access
)
select unit_id, access_id from by_services
union
select unit_id, access_id from behind
order by unit_id, access_id;

create or replace table whatif.units as
with counts as (
    select unit_id, count(*) as services, count(distinct customer_id) as customers
    from whatif.unit_services
    group by unit_id
)
select 'R:' || r.resource_id as unit_id, r.resource_id, cast(null as varchar) as rfs_id,
       r.resource_type, r.name, r.region,
       coalesce(c.services, 0) as services, coalesce(c.customers, 0) as customers
from core.resources r
left join counts c on c.unit_id = 'R:' || r.resource_id
union all
select 'P:' || m.rfs_id, null, m.rfs_id, 'pool', null, null,
       coalesce(c.services, 0), coalesce(c.customers, 0)
from (select distinct rfs_id from core.redundant_pools) m
left join counts c on c.unit_id = 'P:' || m.rfs_id
order by unit_id;
