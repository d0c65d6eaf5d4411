-- incidents.alarm_episodes / incidents.episodes, for the fold keys in incidents.scope_keys.
-- Alarms of one probable cause on one resource fold into one *episode* when each is raised
-- within `flap_gap_minutes` of the end of the one before: a port going down and up ten times
-- in half an hour is one episode (flapping, from `flap_min_alarms` alarms), not ten incidents.
-- An alarm whose clear never came (or came after the next raise) ends when the next alarm of
-- the same key is raised (the element re-raising proves it cleared): `end_implicit`; for
-- folding it reaches no further than its raise. Only the last alarm of a key can stay open.
-- The episode's id is its first alarm's id.
delete from incidents.alarm_episodes where fold_key in (select fold_key from incidents.scope_keys);
delete from incidents.episodes where fold_key in (select fold_key from incidents.scope_keys);

insert into incidents.alarm_episodes
with p as (select * from incidents.params),
alarms as (
    select alarm_id,
           alarmed_object_id || '|' || coalesce(probable_cause, 'unknown')  as fold_key,
           alarmed_object_id                                               as resource_id,
           coalesce(probable_cause, 'unknown')                             as probable_cause,
           raised_at, effective_cleared_at,
           coalesce(service_affecting, false)                              as service_affecting,
           coalesce(planned_outage, false)                                 as planned,
           coalesce(worst_severity_rank, 0)                                as severity_rank,
           coalesce(is_root_cause, false)                                  as is_root_cause
    from core.alarms
    where raised_at is not null and alarmed_object_id is not null
      and alarmed_object_id || '|' || coalesce(probable_cause, 'unknown')
          in (select fold_key from incidents.scope_keys)
),
nexts as (
    select *, lead(raised_at) over (partition by fold_key order by raised_at, alarm_id)
                  as next_raise
    from alarms
),
ends as (
    select *,
           case when next_raise is null then effective_cleared_at
                else least(coalesce(effective_cleared_at, next_raise), next_raise) end
                                                                         as ended_at,
           next_raise is not null
               and (effective_cleared_at is null or effective_cleared_at > next_raise)
                                                                         as end_implicit,
           -- how far the alarm's own evidence reaches: its clear, unless that came after
           -- the next raise (then unknown, like a clear that never came: its raise)
           max(case when effective_cleared_at is not null
                     and (next_raise is null or effective_cleared_at <= next_raise)
                    then effective_cleared_at else raised_at end) over (
               partition by fold_key order by raised_at, alarm_id
               rows between unbounded preceding and 1 preceding)         as reach
    from nexts
),
numbered as (
    select *,
           sum(case when reach is null
                     or raised_at > reach + to_minutes(cast((select flap_gap_minutes from p)
                                                             as bigint))
                    then 1 else 0 end)
               over (partition by fold_key order by raised_at, alarm_id) as episode_no
    from ends
)
select alarm_id, fold_key,
       first(alarm_id) over (partition by fold_key, episode_no order by raised_at, alarm_id)
                                                                         as episode_id,
       resource_id, probable_cause, raised_at, ended_at, end_implicit, service_affecting,
       planned, severity_rank, is_root_cause
from numbered;

insert into incidents.episodes
with p as (select * from incidents.params),
first_alarm as (
    select e.episode_id, a.alarm_type, a.specific_problem
    from incidents.alarm_episodes e
    join core.alarms a on a.alarm_id = e.alarm_id
    where e.alarm_id = e.episode_id
      and e.fold_key in (select fold_key from incidents.scope_keys)
),
grouped as (
    select episode_id,
           any_value(fold_key)                                        as fold_key,
           any_value(resource_id)                                     as resource_id,
           any_value(probable_cause)                                  as probable_cause,
           min(raised_at)                                             as started_at,
           case when bool_and(ended_at is not null) then max(ended_at) end as ended_at,
           count(*)                                                   as n_alarms,
           bool_or(service_affecting)                                 as service_affecting,
           bool_or(planned)                                           as planned,
           max(severity_rank)                                         as severity_rank,
           bool_or(is_root_cause)                                     as root_hint,
           sum(date_diff('second', raised_at, coalesce(ended_at, (select as_of from p)))) / 60.0
                                                                      as down_minutes
    from incidents.alarm_episodes
    where fold_key in (select fold_key from incidents.scope_keys)
    group by episode_id
)
select g.episode_id, g.fold_key, g.resource_id, r.resource_type, r.region, g.probable_cause,
       f.alarm_type, f.specific_problem, g.started_at, g.ended_at, g.n_alarms,
       g.n_alarms >= (select flap_min_alarms from p)                  as flapping,
       g.service_affecting, g.planned, g.severity_rank, g.root_hint, g.down_minutes
from grouped g
left join first_alarm f on f.episode_id = g.episode_id
left join core.resources r on r.resource_id = g.resource_id;
