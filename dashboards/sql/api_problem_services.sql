-- The services one incident ($incident_id) hurt (one row per service), by service id: the
-- TMF656 affectedService of a ServiceProblem, paged by the API. No customer ids here.
select service_id, cfs_type, segment, via, impact_minutes, first_at, last_at
from incident_services
where incident_id = $incident_id
order by service_id
