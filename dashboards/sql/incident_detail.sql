-- One incident ($incident_id): its queue row (rank, score and the score's components, counts,
-- SLA exposure, revenue at risk, network impact) with what the incident models know of it:
-- `network_minutes` (the minutes each resource hurt was affected, summed) and `network_basis`
-- (what weighs them into `score_network`: 'sessions', 'sessions of its type', 'throughput',
-- 'count') from incident_impact.
select q.*, i.region, i.root_resource_type, i.ended_at, i.impact_end, i.end_basis,
       i.detection, i.n_alarms, i.n_symptoms, i.flapping, i.n_flaps,
       m.network_minutes, m.network_basis,
       q.status not in ('cleared', 'resolved', 'closed')             as is_open
from queue q
join incidents i using (incident_id)
left join incident_impact m using (incident_id)
where q.incident_id = $incident_id
