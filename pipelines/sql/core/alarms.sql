-- core.alarms: one row per alarm (alarm_id): its lifecycle folded from every event received —
-- raise → changes → clear — whatever order the events arrived in. Tolerates repeated events,
-- clears that come without a raise, and raises never cleared. Severity ranks are explicit:
-- X.733's numeric codes (cleared 1 … warning 6) are not an order of gravity.
create schema if not exists core;

create or replace table core.alarms as
with severity_ranks(perceived_severity, severity_rank) as (
    values ('critical', 5), ('major', 4), ('minor', 3), ('warning', 2), ('indeterminate', 1),
           ('cleared', 0)
),
events as (
    select distinct on (alarm_id, event_type, event_time, perceived_severity, state)
        e.*, r.severity_rank
    from stg.alarm_events e
    join severity_ranks r using (perceived_severity)
),
lifecycle as (
    select
        alarm_id,
        arg_min(alarmed_object_id, event_time)                              as alarmed_object_id,
        arg_min(alarmed_object_type, event_time)                            as alarmed_object_type,
        arg_min(source_system_id, event_time)                               as source_system_id,
        arg_min(alarm_type, event_time)                                     as alarm_type,
        arg_min(probable_cause, event_time)                                 as probable_cause,
        arg_min(specific_problem, event_time)                               as specific_problem,
        -- the raise time the alarm itself reports wins over when its first event arrived
        coalesce(min(raised_time), min(event_time) filter (where state <> 'cleared'))
                                                                            as raised_at,
        max(coalesce(cleared_time, event_time)) filter (where state = 'cleared')
                                                                            as cleared_at,
        max(severity_rank) filter (where state <> 'cleared')                as worst_severity_rank,
        arg_max(perceived_severity, event_time) filter (where state <> 'cleared')
                                                                            as last_severity,
        bool_or(coalesce(is_root_cause, false))                             as is_root_cause,
        arg_max(parent_alarm_id, event_time) filter (where parent_alarm_id is not null)
                                                                            as parent_alarm_id,
        bool_or(coalesce(service_affecting, false))                         as service_affecting,
        bool_or(coalesce(planned_outage, false))                            as planned_outage,
        bool_or(state <> 'cleared')                                         as has_raise,
        bool_or(state = 'cleared')                                          as has_clear,
        count(*)                                                            as events
    from events
    group by alarm_id
),
final as (
    select
        l.*,
        (select perceived_severity from severity_ranks r
          where r.severity_rank = l.worst_severity_rank)                    as worst_severity,
        case when has_clear then 'cleared' else 'open' end                  as status,
        has_clear and not has_raise                                         as clear_without_raise,
        date_diff('second', raised_at, cleared_at) / 60.0                   as duration_minutes
    from lifecycle l
)
select * from final
order by raised_at, alarm_id;
