-- The incidents the operations page announces when they appear while it is open (live mode):
-- those not over yet (open, or stale) whose priority score reaches $min_score, the live
-- notification threshold ([live] notify_min_score), highest first. The queue holds a few
-- hundred incidents at most, so this reads one small table.
select incident_id, title, priority_score, affected_customers, priority_basis
from queue
where status not in ('cleared', 'resolved', 'closed')
  and coalesce(priority_score, 0) >= $min_score
order by priority_score desc, incident_id
