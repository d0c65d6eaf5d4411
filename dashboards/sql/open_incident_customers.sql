-- One row per customer with a service inside an incident that is not over yet (the incident
-- models' statuses: open, or stale = open past its usual length with its clear probably
-- lost; only 'cleared' is over): the earliest such incident.
select s.customer_id,
       first(s.incident_id order by i.started_at, s.incident_id)   as open_incident_id,
       count(distinct s.incident_id)                               as open_incidents
from incident_services s
join incidents i using (incident_id)
where i.status not in ('cleared', 'resolved', 'closed')
group by s.customer_id
