-- The proactive-care list of one incident ($incident_id): one row per affected customer, in
-- the order care should call them (business customers first, then by minutes lost), read from
-- care_list (built with the incidents, models/incidents/sql/care_list.sql; the snapshot
-- keeps it sorted by incident, so this reads one incident's row groups). Contact details are
-- joined in Python, and only for the roles dashboards/roles.py allows. `impact` says what the
-- minutes were: 'without service' (an outage) or 'degraded' (congestion, slow service; the
-- queue's `effect`).
select customer_id, segment, region, services, cfs_types,
       case (select any_value(effect) from queue where incident_id = $incident_id)
           when 'degradation' then 'degraded' else 'without service' end as impact,
       impact_minutes, first_at, last_at
from care_list
where incident_id = $incident_id
order by position
