-- The access resources (PON ports, cells) planned work on $resources takes traffic from, for
-- its least-harm window: those carrying a service it hurts ($services, on $shares_date:
-- core.service_access_shares), and those behind the resources without protection
-- (core.resource_ancestors, as incidents/incident_network.sql reaches them), so that a
-- warehouse that knows no services still has a harm to minimise.
with access as (
    select distinct access_id as resource_id from core.access_paths where depth = 0
)
select distinct resource_id as access_id
from core.service_access_shares
where date = cast($shares_date as date)
  and service_id in (select unnest(cast($services as varchar[])))
union
select ra.resource_id
from core.resource_ancestors ra
join access a on a.resource_id = ra.resource_id
where ra.ancestor_id in (select unnest(cast($resources as varchar[]))) and not ra.protected
union
select resource_id from access where resource_id in (select unnest(cast($resources as varchar[])))
