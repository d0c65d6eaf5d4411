-- model: marts.sla_service_daily
-- kind: partitioned
-- grain: service_id, date
-- not_null: service_id, date, sla_availability_pct
-- inputs: core.cfs, marts.service_daily
-- feeds: services, catalog, kpis|usage
-- marts.sla_service_daily: one row per customer-facing service with an availability SLA
-- (its TMF638 serviceCharacteristic slaAvailabilityPct, core.cfs) per UTC day it was in
-- service: its SLA tier and objective, the minutes it was without service that day and
-- whether they were planned work. The TMF657 API (dashboards/api.py) reads it: measured
-- availability over a period is 100 × (1 − Σ unplanned outage minutes ÷ Σ minutes), the
-- allowance (1 − objective) × the period's minutes, a ratio of sums over the days.
-- Partitioned by `date`.
select
    d.date, d.service_id, d.customer_id, d.cfs_type, d.segment, d.region,
    c.sla_tier,
    c.sla_availability_pct,
    cast(1440 as double)                                                 as minutes,
    coalesce(d.outage_minutes, 0)                                        as outage_minutes,
    case when coalesce(d.planned_outage, false) then 0.0
         else coalesce(d.outage_minutes, 0) end                          as unplanned_outage_minutes
from marts.service_daily d
join core.cfs c on c.service_id = d.service_id
where c.sla_availability_pct is not null
  and d.date in (select date from _scope)
