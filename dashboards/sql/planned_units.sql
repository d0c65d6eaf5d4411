-- The resources planned work can be projected on (the planned-work page's picker): one row per
-- resource with its type, name, region and the services and customers it takes down alone
-- (whatif.units, built with the incidents: models/whatif/sql/units.sql).
select resource_id, resource_type, name, region, services, customers
from units
where resource_id is not null
order by resource_id
