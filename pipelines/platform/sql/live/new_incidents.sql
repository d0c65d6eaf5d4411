-- The incidents of the queue a live batch brought (not in it before the refresh: $before),
-- scoring at least $min_score and not notified before (live.notified), worst first.
select q.incident_id, q.title, q.priority_score, q.affected_customers, q.worst_severity,
       q.root_resource_id, q.started_at, q.status
from incidents.queue q
where q.incident_id not in (select unnest($before::varchar[]))
  and q.priority_score >= $min_score
  and q.incident_id not in (select incident_id from live.notified)
order by q.priority_score desc, q.incident_id;
