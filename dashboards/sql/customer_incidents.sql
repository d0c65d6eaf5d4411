-- The incidents that hurt one customer's services ($customer_id), latest first.
select s.incident_id, i.title, i.kind, i.status, i.source, s.service_id, s.cfs_type,
       s.impact_minutes, s.first_at, s.last_at
from incident_services s
join incidents i using (incident_id)
where s.customer_id = $customer_id
order by s.first_at desc, s.incident_id, s.service_id
