-- The head of one incident's proactive-care list ($incident_id, at most $rows customers), as
-- the screen shows it, in calling order; `customers` is the length of the whole list. No
-- contact details (those go only into the export).
select customer_id, segment, string_split(cfs_types, ' ') as cfs_types, impact_minutes,
       (select count(*) from care_list where incident_id = $incident_id) as customers
from care_list
where incident_id = $incident_id
order by position
limit $rows
