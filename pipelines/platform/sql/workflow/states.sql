-- The current state of the incidents whose ids :ids lists (a JSON array): one row per
-- incident acted on (an incident never acted on has no row: it is new). One read by the
-- primary key, whatever the number of ids.
select s.*
from incident_state s
where s.incident_id in (select value from json_each(:ids))
