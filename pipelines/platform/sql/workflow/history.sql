-- Every event of one incident (:incident_id), newest first.
select event_id, incident_id, at, user, role, action, value, note, payload
from workflow_events
where incident_id = :incident_id
order by event_id desc
