-- The incident queue as the filter bar sees it: one row per incident active at some time in
-- the period ($start … $end), in the chosen $regions, hurting the chosen $segments /
-- $cfs_types (when any are chosen), open ones first, then by the impact rank of the incident
-- models. $only_open keeps incidents not over yet (open, or stale: past their usual length,
-- their clear probably lost); $include_planned keeps planned maintenance; $source is 'alarm',
-- 'silent' (degradations no alarm announced) or 'any'. `priority_basis` says what ranks the
-- queue: 'customers' (the score is weighted service-minutes) or 'network' (a warehouse that
-- knows no services: the score is the network impact, `score_network`, in session-minutes or
-- what `network_basis` says), with the resources hurt and their minutes beside it.
-- Regions: an incident is in the chosen $regions when its root is there or it hurt a customer
-- there (impact_breakdown's region: a national DNS outage is in every region it touched);
-- `region_share` is the chosen regions' part of its service-minutes (NULL without a region
-- filter). `effect` (outage or degradation) and `queue_section` (acute, chronic) come from the
-- queue (models/incidents/sql/queue.sql), `chronic_after_days` its rule's threshold.
select q.rank, q.incident_id, q.status, q.source, q.kind, q.title, q.root_resource_id,
       q.started_at, q.duration_minutes, q.planned, q.worst_severity, q.severity_rank,
       q.priority_score, q.affected_services, q.affected_customers, q.sla_services,
       q.sla_breached_services, q.revenue_at_risk_eur, q.experience_drop,
       q.priority_basis, q.score_network, q.network_resources, m.network_minutes,
       m.network_basis,
       q.status not in ('cleared', 'resolved', 'closed')             as is_open,
       i.region, i.ended_at, i.impact_end, i.detection, q.effect, q.queue_section,
       q.chronic_after_days, r.region_share
from queue q
join incidents i using (incident_id)
left join incident_impact m using (incident_id)
left join (
    select incident_id,
           coalesce(sum(service_minutes)
                        filter (where list_contains($regions::varchar[], region)), 0)
               / nullif(sum(service_minutes), 0)                        as region_share,
           bool_or(list_contains($regions::varchar[], region))          as touched
    from impact_breakdown
    where len($regions::varchar[]) > 0
    group by incident_id
) r using (incident_id)
where cast(q.started_at as date) <= $end
  and cast(coalesce(i.impact_end, i.ended_at, q.started_at) as date) >= $start
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], i.region)
       or coalesce(r.touched, false))
  and ((len($segments::varchar[]) = 0 and len($cfs_types::varchar[]) = 0) or exists (
        select 1 from impact_breakdown b
        where b.incident_id = q.incident_id
          and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], b.segment))
          and (len($cfs_types::varchar[]) = 0
               or list_contains($cfs_types::varchar[], b.cfs_type))))
  and (not $only_open or q.status not in ('cleared', 'resolved', 'closed'))
  and ($include_planned or not coalesce(q.planned, false))
  and ($source = 'any' or q.source = $source)
order by is_open desc, q.rank
