-- The services planned work hurts: one row per CFS hurt while the resources $resources are
-- down from $starts to $ends (UTC), read with the traffic shares of $shares_date. Who loses
-- service is the macro services_hurt (pipelines/platform/sql/macros.sql), the very rules of
-- incident impact (incidents/incident_services.sql): redundancy, serving-cell shares and
-- redundant pools honoured exactly as there; the resources' windows count together (two
-- members of a 1+1 pair taken down at once take the pair down). Beside each service: its
-- customer's region and monthly charges (stg.customers) and its availability SLA
-- (slaAvailabilityPct) with the downtime it allows in a 30-day month.
with p as (select cell_share_min from core.impact_params),
w as (
    select 'planned' as group_key, r.resource_id, cast($starts as timestamp) as starts,
           cast($ends as timestamp) as ends, cast($shares_date as date) as shares_date
    from (select distinct unnest(cast($resources as varchar[])) as resource_id) r
),
hurt as (select * from services_hurt('w', 'p')),
sla as (
    select service_id,
           try_cast(json_extract_string(characteristics, '$.slaAvailabilityPct') as double)
               as sla_pct
    from stg.services
    where category = 'CFS' and service_id in (select service_id from hurt)
)
select h.service_id, h.customer_id, h.cfs_type, h.segment, h.via, h.impact_minutes,
       h.first_at, h.last_at, coalesce(c.region, 'unknown') as region,
       c.monthly_charges_eur, sla.sla_pct,
       (1 - sla.sla_pct / 100) * 30 * 24 * 60 as sla_allowed_minutes
from hurt h
left join stg.customers c on c.customer_id = h.customer_id
left join sla on sla.service_id = h.service_id
order by h.service_id
