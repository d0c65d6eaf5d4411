-- The alarm episodes of one incident ($incident_id), root first, then symptoms and attached
-- alarms by start: what was seen where and when.
select e.episode_id, ie.role, e.resource_id, e.resource_type, e.probable_cause,
       e.specific_problem, e.started_at, e.ended_at, e.n_alarms, e.flapping,
       e.severity_rank, e.service_affecting
from incident_episodes ie
join episodes e using (episode_id)
where ie.incident_id = $incident_id
order by case ie.role when 'root' then 0 when 'symptom' then 1 else 2 end, e.started_at,
         e.resource_id
