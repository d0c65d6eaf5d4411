-- TMF657 service level specifications: one row per service type × SLA tier × objective the
-- inventory sells, with how many services hold it.
select cfs_type, sla_tier, sla_availability_pct, count(distinct service_id) as services
from sla_service_daily
group by cfs_type, sla_tier, sla_availability_pct
order by cfs_type, sla_availability_pct desc, sla_tier
