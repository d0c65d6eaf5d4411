-- The services planned work hurts, as the planned-work page exports them: one row per CFS.
-- Looked up, not computed: planned_rows.sql's rows (each unit the work takes down × the
-- services it hurts), read here as `chosen` (queries.OVER). $minutes: how long the work lasts
-- (every service it hurts is hurt throughout). Unordered: what reads it sums or sorts on its
-- own, and ordering 60,000 rows of a whole-network choice would cost the page's callback a
-- sixth of its budget.
select any_value(service_id) as service_id, any_value(customer_id) as customer_id,
       any_value(customer_key) as customer_key, any_value(cfs_type) as cfs_type,
       any_value(segment) as segment, min(via) as via, any_value(region) as region,
       any_value(monthly_charges_eur) as monthly_charges_eur, any_value(sla_pct) as sla_pct,
       (1 - any_value(sla_pct) / 100) * 30 * 24 * 60 as sla_allowed_minutes,
       cast($minutes as double) as impact_minutes
from chosen
group by service_key  -- the service id as an integer (units.sql)
