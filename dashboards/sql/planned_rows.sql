-- The what-if rows a choice of planned work reads: one row per unit it takes down ($units,
-- from planned_units_down.sql: a resource's own, a redundant pool's taken down whole) × service
-- that unit hurts (whatif.unit_services, computed in the run by the incident rules: the macro
-- services_hurt in models/whatif/sql/units.sql). A service taken down by two of the units is
-- here twice; planned_services.sql and planned_summary.sql, which read these rows as `chosen`
-- (queries.OVER), count it once.
select *
from unit_services
where unit_id in (select unnest(cast($units as varchar[])))
