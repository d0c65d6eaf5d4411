-- TMF656 service problems in the order of the queue: one row per incident, open ones first,
-- then by the incident models' impact rank (as the Network operations page lists them), with
-- what the API filters on: status, source (the TMF category), priority score, start.
select q.incident_id, q.rank, q.status, q.source, q.priority_score, q.started_at,
       q.status not in ('cleared', 'resolved', 'closed')             as is_open
from queue q
order by is_open desc, q.rank, q.incident_id
