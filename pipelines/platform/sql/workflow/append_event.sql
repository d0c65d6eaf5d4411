-- Append one action on an incident to the log (one row of workflow_events).
insert into workflow_events (incident_id, at, user, role, action, value, note, payload)
values (:incident_id, :at, :user, :role, :action, :value, :note, :payload)
