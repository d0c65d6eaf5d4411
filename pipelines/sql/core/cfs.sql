-- core.cfs: one row per customer-facing service instance, with its customer's segment and
-- region and its CFS type from the catalog.
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
                                                                           as monthly_price_eur
    from services s
    left join specs on specs.spec_id = s.spec_id
    left join customers c on c.customer_id = s.customer_id
)
select * from final;
