-- incidents.incidents and incidents.incident_windows for the alarm-based incidents in
-- incidents.scope_incidents (their episodes are in incidents.incident_episodes).
-- An incident starts with its first service-affecting episode and ends when all have cleared.
-- When the root's clear never came but every symptom has cleared, it ends with its last
-- symptom (`end_basis` symptoms_cleared). When it is still open after longer than
-- `stale_quantile` of the closed episodes with the same probable cause lasted (or of all
-- of them, or `stale_default_minutes`), it is *stale*: its clear was probably lost, and its
-- impact is counted until that typical end (`end_basis` estimated) rather than until now.
delete from incidents.incidents
where incident_id in (select incident_id from incidents.scope_incidents);
delete from incidents.incident_windows
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incidents
with p as (select * from incidents.params),
severity_names(severity_rank, severity) as (
    values (5, 'critical'), (4, 'major'), (3, 'minor'), (2, 'warning'), (1, 'indeterminate'),
           (0, 'cleared')
),
members as (
    select ie.incident_id, ie.role, e.*
    from incidents.incident_episodes ie
    join incidents.episodes e on e.episode_id = ie.episode_id
    where ie.incident_id in (select incident_id from incidents.scope_incidents)
),
closed as (
    select probable_cause, date_diff('second', started_at, ended_at) / 60.0 as minutes
    from incidents.episodes
    where ended_at is not null and (service_affecting or planned)
),
typical as (   -- nearest-rank quantile (quantile_cont wants a constant)
    select probable_cause,
           list_sort(list(minutes))[cast(greatest(1, ceil((select stale_quantile from p)
                                                          * count(*))) as bigint)] as minutes
    from closed group by probable_cause having count(*) >= 5
),
typical_all as (
    select list_sort(list(minutes))[cast(greatest(1, ceil((select stale_quantile from p)
                                                         * count(*))) as bigint)] as minutes
    from closed
),
agg as (
    select incident_id,
           min(started_at) filter (where role <> 'attached')                  as started_at,
           bool_and(ended_at is not null) filter (where role <> 'attached')   as all_closed,
           max(ended_at) filter (where role <> 'attached')                    as last_end,
           bool_and(ended_at is not null) filter (where role = 'symptom')     as symptoms_closed,
           max(ended_at) filter (where role = 'symptom')                      as last_symptom_end,
           count(*) filter (where role = 'symptom')                           as n_symptoms,
           count(*) filter (where role = 'attached')                          as n_attached,
           count(*)                                                           as n_episodes,
           sum(n_alarms)                                                      as n_alarms,
           max(severity_rank) filter (where role <> 'attached')               as severity_rank
    from members
    group by incident_id
),
shaped as (
    select a.*, r.episode_id as root_episode_id, r.resource_id as root_resource_id,
           r.resource_type as root_resource_type, r.region, r.probable_cause, r.specific_problem,
           r.planned, r.flapping, r.n_alarms as root_alarms,
           coalesce(t.minutes, (select minutes from typical_all),
                    (select stale_default_minutes from p))                    as typical_minutes
    from agg a
    join members r on r.incident_id = a.incident_id and r.role = 'root'
    left join typical t on t.probable_cause = r.probable_cause
),
ended as (
    select *,
           case when all_closed then 'clear'
                when n_symptoms > 0 and symptoms_closed then 'symptoms_cleared'
                when date_diff('second', started_at, (select as_of from p)) / 60.0
                     > typical_minutes then 'estimated'
                else 'open' end                                               as end_basis
    from shaped
)
select
    incident_id,
    'alarm'                                                                   as source,
    probable_cause                                                            as kind,
    coalesce(specific_problem, probable_cause) || ' on ' || root_resource_id
        || case when flapping then ' (flapping, ' || root_alarms || ' alarms)' else '' end
                                                                              as title,
    root_episode_id,
    root_episode_id                                                           as root_alarm_id,
    root_resource_id, root_resource_type, region, started_at,
    case end_basis when 'clear' then last_end
                   when 'symptoms_cleared' then last_symptom_end end          as ended_at,
    case end_basis when 'clear' then last_end
                   when 'symptoms_cleared' then last_symptom_end
                   when 'estimated' then started_at + to_seconds(cast(typical_minutes * 60
                                                                     as bigint))
                   else (select as_of from p) end                             as impact_end,
    case end_basis when 'estimated' then 'stale' when 'open' then 'open'
                   else 'cleared' end                                         as status,
    end_basis, planned, n_alarms, n_episodes, n_symptoms, n_attached, flapping,
    case when flapping then root_alarms else 0 end                            as n_flaps,
    (select severity from severity_names s where s.severity_rank = ended.severity_rank)
                                                                              as worst_severity,
    severity_rank,
    'alarm correlation: root and symptoms by topology and time'               as detection
from ended;

-- every service-affecting alarm of the incident is a stretch of time its resource was down or
-- degraded; an alarm still open at the end counts until the incident's impact end. When the
-- root has symptoms below it, the symptoms say where service was lost and when (a line card
-- takes 8 of an OLT's ports down, not all; a site's cells die when its batteries run out, not
-- when the mains fail): the root's own alarm then adds no window.
insert into incidents.incident_windows
with p as (select * from incidents.params),
degrading(probable_cause) as (
    values ('degradedSignal'), ('performanceDegraded'), ('systemResourcesOverload'),
           ('excessiveResponseTime'), ('congestion'), ('thresholdCrossed'),
           ('bandwidthReduced'), ('excessiveBER'), ('responseTimeExcessive')
)
select i.incident_id, a.resource_id, a.raised_at,
       least(coalesce(a.ended_at, i.impact_end), i.impact_end, (select as_of from p)) as ends,
       case when a.probable_cause in (select probable_cause from degrading)
            then 'degradation' else 'outage' end                             as effect
from incidents.incidents i
join incidents.incident_episodes ie on ie.incident_id = i.incident_id and ie.role <> 'attached'
join incidents.alarm_episodes a on a.episode_id = ie.episode_id
where i.incident_id in (select incident_id from incidents.scope_incidents)
  and (a.service_affecting or a.planned)
  and not (ie.role = 'root' and exists (
      select 1 from incidents.episode_links l
      join incidents.incident_episodes s
        on s.episode_id = l.lower_id and s.incident_id = i.incident_id and s.role = 'symptom'
      where l.upper_id = ie.episode_id and l.relation = 'below' and l.both_affecting))
  and least(coalesce(a.ended_at, i.impact_end), i.impact_end) > a.raised_at;
