-- What one incident ($incident_id) hurt, by service type and segment.
select cfs_type, segment, services, customers, service_minutes
from impact_breakdown
where incident_id = $incident_id
order by cfs_type, segment
