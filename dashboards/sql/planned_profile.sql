-- The usual active sessions, per UTC hour of the week (0 = Monday 00:00), of the access
-- resources planned work takes traffic from (whatif.unit_access of the $units it takes down,
-- from planned_units_down.sql; whatif.access_week_profile): what the least-harm window
-- minimises.
with touched as (
    select distinct access_id from unit_access
    where unit_id in (select unnest(cast($units as varchar[])))
)
select p.hour_of_week, sum(p.sessions) as sessions,
       (select count(*) from touched) as access_resources
from access_week_profile p
where p.access_id in (select access_id from touched)
group by p.hour_of_week
order by p.hour_of_week
