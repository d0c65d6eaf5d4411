-- For clears that name only their alarm (a TMF642 ClearAlarms task, an X.733 clear by alarm
-- id): what the alarm's latest stored event says of it, to complete the clear with.
select alarm_id, alarmed_object_id, alarmed_object_type, probable_cause, specific_problem,
       alarm_type, external_alarm_id, raised_time, service_affecting, is_root_cause,
       planned_outage, parent_alarm_id
from stg.alarm_events
where alarm_id in (select unnest($ids::varchar[]))
qualify row_number() over (partition by alarm_id order by event_time desc, event_id desc) = 1;
