-- incidents.incident_access: for each incident in incidents.scope_incidents, the access
-- resources (PON ports, cells) that carried the services it hurt, on the days it hurt them
-- (core.service_access_shares), and how many of those services each carried. When the root
-- is not an access resource itself (an OLT, a site, a DNS pool), the incident page shows the
-- mean KPIs of these; kept here because joining the shares at read time is slow for a fault
-- that hurts every customer. An incident that hurt no known service (a network-only warehouse,
-- or a fault where no customer is served) lists the access resources behind it instead
-- (incidents.incident_network), with `services` 0.
delete from incidents.incident_access
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incident_access
select s.incident_id, sh.resource_id, count(distinct s.service_id) as services
from incidents.incident_services s
join core.service_access_shares sh
  on sh.service_id = s.service_id
 and sh.date between cast(s.first_at as date) and cast(s.last_at as date)
where s.incident_id in (select incident_id from incidents.scope_incidents)
group by s.incident_id, sh.resource_id
union all
select n.incident_id, n.resource_id, 0 as services
from incidents.incident_network n
where n.incident_id in (select incident_id from incidents.scope_incidents)
  and n.resource_id in (select access_id from core.access_paths where depth = 0)
  and not exists (select 1 from incidents.incident_services s
                  where s.incident_id = n.incident_id);
