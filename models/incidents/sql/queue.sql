-- incidents.queue: one row per incident, ranked by its priority score. `priority_basis` says
-- which impact the score is:
-- * 'customers' whenever the warehouse knows services (core.cfs holds any): the customer impact
--   in service-minutes with business weight added on top (the weights are in incidents.params,
--   documented in models/incidents/params.py), the sum of the components shown beside it;
-- * 'network' when it knows none (network-only data: topology or a topology derived from the
--   PM export, counters, alarms): the network impact, session-minutes on the resources the
--   incident hurt (incidents/incident_network.sql), shown as `score_network`.
-- The customer components:
--   score_customer_minutes  minutes of service lost or degraded, over every affected CFS
--   score_business          smb_weight × SMB minutes + enterprise_weight × enterprise minutes
--   score_sla               sla_weight × minutes on VPNs with an availability SLA
--   score_revenue           revenue_weight × revenue at risk (€ a month)
--   score_experience        experience_weight × measured experience drop × affected services
--   score_network           (not part of the customer score) the network impact
-- Alarm severity is shown alongside, not used: ranking by it is the baseline the score beats.
-- Sections: the score accumulates over an incident's life, so a congestion open for months
-- would outscore every fresh outage. The queue therefore has two sections, `acute` first:
-- * `effect`: 'outage' when any of its windows took service away (incidents.incident_windows),
--   else 'degradation' (congestion, surges, overloads: service slow, not gone);
-- * `queue_section`: 'chronic' for a degradation that has lasted longer than
--   `chronic_after_days` (incidents.params), else 'acute'. Within a section, by the score.
-- Incidents that hurt nobody (score 0: a protected link, a fault behind no service) come last.
create or replace table incidents.queue as
with p as (select * from incidents.params),
basis as (
    select case when exists (select 1 from core.cfs) then 'customers' else 'network' end
               as priority_basis
),
effects as (
    select incident_id,
           case when bool_or(effect = 'outage') then 'outage' else 'degradation' end as effect
    from incidents.incident_windows
    group by incident_id
),
segment_minutes as (
    select incident_id,
           coalesce(sum(service_minutes) filter (where segment = 'smb'), 0)        as smb_minutes,
           coalesce(sum(service_minutes) filter (where segment = 'enterprise'), 0) as ent_minutes
    from incidents.impact_breakdown
    group by incident_id
),
scored as (
    select i.incident_id, i.status, i.source, i.kind, i.title, i.root_resource_id,
           i.started_at, m.duration_minutes, i.planned, i.worst_severity, i.severity_rank,
           coalesce(m.service_minutes, 0) as score_customer_minutes,
           p.smb_weight * coalesce(sm.smb_minutes, 0)
               + p.enterprise_weight * coalesce(sm.ent_minutes, 0)          as score_business,
           p.sla_weight * coalesce(m.sla_minutes, 0)                       as score_sla,
           p.revenue_weight * coalesce(m.revenue_at_risk_eur, 0)           as score_revenue,
           p.experience_weight * greatest(coalesce(m.experience_drop, 0), 0)
               * coalesce(m.affected_services, 0)                          as score_experience,
           m.affected_services, m.affected_customers, m.sla_services, m.sla_breached_services,
           m.revenue_at_risk_eur, m.experience_drop, p.model_version, p.run_id,
           coalesce(m.network_impact, 0)                                   as score_network,
           m.network_resources, b.priority_basis,
           coalesce(e.effect, 'outage')                                    as effect,
           case when coalesce(e.effect, 'outage') = 'degradation'
                     and coalesce(m.duration_minutes, 0) > p.chronic_after_days * 1440
                then 'chronic' else 'acute' end                            as queue_section,
           p.chronic_after_days
    from incidents.incidents i
    left join incidents.incident_impact m on m.incident_id = i.incident_id
    left join segment_minutes sm on sm.incident_id = i.incident_id
    left join effects e on e.incident_id = i.incident_id
    cross join p
    cross join basis b
),
final as (
    select *, case priority_basis
                  when 'customers' then score_customer_minutes + score_business + score_sla
                                        + score_revenue + score_experience
                  else score_network end                                 as priority_score
    from scored
)
select
    cast(row_number() over (order by case when priority_score <= 0 then 2
                                          when queue_section = 'chronic' then 1 else 0 end,
                                     priority_score desc, severity_rank desc, started_at,
                                     incident_id) as integer)           as rank,
    incident_id, status, source, kind, title, root_resource_id, started_at, duration_minutes,
    planned, worst_severity, severity_rank, round(priority_score, 1) as priority_score,
    round(score_customer_minutes, 1) as score_customer_minutes,
    round(score_business, 1) as score_business, round(score_sla, 1) as score_sla,
    round(score_revenue, 1) as score_revenue, round(score_experience, 1) as score_experience,
    affected_services, affected_customers, sla_services, sla_breached_services,
    round(revenue_at_risk_eur, 2) as revenue_at_risk_eur, experience_drop,
    round(score_network, 1) as score_network, priority_basis, network_resources, model_version,
    run_id, current_timestamp::timestamp as scored_at, effect, queue_section, chronic_after_days
from final
order by rank;
