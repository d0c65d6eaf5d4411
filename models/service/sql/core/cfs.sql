-- model: core.cfs
-- kind: whole
-- grain: service_id
-- not_null: service_id
-- inputs: stg.catalog_specs, stg.customers, stg.services
-- feeds: services, catalog
-- core.cfs: one row per customer-facing service instance, with its customer's segment and
-- region, its CFS type from the catalog, and what the customer pays for (price, plan speed,
-- SLA) from its TMF638 serviceCharacteristic.
create schema if not exists core;

create or replace table core.cfs as
with services as (
    select * from stg.services where category = 'CFS'
),
specs as (
    select spec_id, cfs_type from stg.catalog_specs where category = 'CFS'
),
customers as (
    select customer_id, segment, region, contract_type from stg.customers
),
final as (
    select
        s.service_id,
        s.customer_id,
        coalesce(specs.cfs_type, s.service_type)                           as cfs_type,
        coalesce(c.segment, 'unknown')                                     as segment,
        coalesce(c.region, 'unknown')                                      as region,
        s.state,
        cast(s.start_date as date)                                         as start_date,
        cast(s.end_date as date)                                           as end_date,
        try_cast(json_extract_string(s.characteristics, '$.monthlyPriceEur') as double)
                                                                           as monthly_price_eur,
        try_cast(json_extract_string(s.characteristics, '$.downloadSpeedMbps') as double)
                                                                           as plan_download_mbps,
        try_cast(json_extract_string(s.characteristics, '$.slaAvailabilityPct') as double)
                                                                           as sla_availability_pct,
        json_extract_string(s.characteristics, '$.slaTier')                as sla_tier
    from services s
    left join specs on specs.spec_id = s.spec_id
    left join customers c on c.customer_id = s.customer_id
)
select * from final;
