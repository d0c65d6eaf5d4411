-- model: core.resources
-- kind: whole
-- grain: resource_id
-- not_null: resource_id
-- inputs: stg.kpi_15min, stg.resources
-- feeds: topology|kpis
-- core.resources: one row per network resource: every resource of the inventory (stg.resources,
-- `derived` false) and every object measured in the PM export that the inventory does not hold
-- (stg.kpi_15min, `derived` true). Without a topology feed every measured object thus becomes a
-- resource with no parent: a cell or PON port is then its own access resource (a path of depth
-- 0 only, core.access_paths), so cell experience is built from the PM counters alone.
-- A derived resource's
-- * resource_type is the PM rows' object type when they carry one (their most frequent,
--   lower-cased; a vendor class naming a cell such as EUtranCellFDD or NRCellDU is 'cell', one
--   naming a PON port is 'pon_port'); without a type, the id's prefix when it is one of the
--   inventory's usual prefixes (PON → pon_port, OLT → olt, SITE → site, …); an id that looks
--   like nothing else is a 'cell', the object a cell-level PM export (the common case) measures;
-- * region is 'unknown' (the PM export does not say where a resource is);
-- * vendor is the PM rows' vendor (their most frequent; ties by name).
create schema if not exists core;

create or replace table core.resources as
with id_prefixes(prefix, resource_type) as (
    values ('PON', 'pon_port'), ('OLT', 'olt'), ('SITE', 'site'), ('CELL', 'cell'),
           ('BNG', 'bng'), ('AGG', 'agg_router'), ('CORE', 'core_router'),
           ('DNS', 'dns_resolver'), ('IMS', 'ims_core'), ('IPTV', 'iptv_headend'),
           ('TL-', 'transport_link')
),
measured as (   -- one row per object × type × vendor seen in the PM rows
    select k.resource_id,
           case when k.resource_type is null or trim(k.resource_type) = '' then null
                when lower(k.resource_type) like '%cell%' then 'cell'
                when lower(k.resource_type) like '%pon%' then 'pon_port'
                else lower(trim(k.resource_type)) end                    as pm_type,
           k.vendor, count(*) as n
    from stg.kpi_15min k
    anti join stg.resources r on r.resource_id = k.resource_id
    group by all
),
types as (
    select resource_id, first(pm_type order by n desc, pm_type) as pm_type
    from (select resource_id, pm_type, sum(n) as n from measured
          where pm_type is not null group by all)
    group by resource_id
),
vendors as (
    select resource_id, first(vendor order by n desc, vendor) as vendor
    from (select resource_id, vendor, sum(n) as n from measured group by all)
    group by resource_id
),
per_resource as (
    select v.resource_id, t.pm_type, v.vendor
    from vendors v
    left join types t on t.resource_id = v.resource_id
),
derived as (
    select r.resource_id,
           coalesce(r.pm_type,
                    (select first(p.resource_type order by length(p.prefix) desc, p.prefix)
                     from id_prefixes p
                     where upper(r.resource_id) like p.prefix || '%'),
                    'cell')                                              as resource_type,
           cast(null as varchar)                                         as name,
           'unknown'                                                     as region,
           r.vendor,
           cast(null as varchar)                                         as site_id,
           cast(null as double)                                          as capacity_mbps,
           cast(null as double)                                          as latitude,
           cast(null as double)                                          as longitude,
           true                                                          as derived
    from per_resource r
),
final as (
    select resource_id, resource_type, name, region, vendor, site_id, capacity_mbps, latitude,
           longitude, false as derived
    from stg.resources
    union all
    select * from derived
)
select * from final
order by resource_id;
