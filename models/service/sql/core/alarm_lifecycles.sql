-- model: core.alarm_lifecycles
-- kind: whole
-- grain: alarm_id
-- not_null: alarm_id
-- inputs: stg.alarm_events
-- feeds: alarms
-- core.alarm_lifecycles: one row per alarm (alarm_id), its lifecycle folded from its own events
-- only — raise → changes → clear, whatever order the events arrived in, repeated events once —
-- and its clear taken not before its raise (see core/alarms.sql for the rules). What needs
-- every alarm (the usual durations of a probable cause, a symptom ending with its root, stale
-- alarms) is core/alarms.sql's. Each row depends on its alarm's events alone, so a live batch
-- refolds only the alarms it brought (cxbridge.models.service.alarms.refold): the same SELECT,
-- restricted to those alarm ids; a full build rebuilds the table whole. (One SELECT: the
-- runner writes it as the table, and the refold reads it as it is.)
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
                                                                            as reported_cleared_at,
        max(event_time) filter (where state = 'cleared')                    as clear_event_at,
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
timed as (   -- a clear before the raise (two clocks) is taken at a time not before the raise
    select
        l.* exclude (clear_event_at),
        case when l.reported_cleared_at is null or l.raised_at is null
                      or l.reported_cleared_at >= l.raised_at
                 then l.reported_cleared_at
             when l.clear_event_at >= l.raised_at then l.clear_event_at
             else l.raised_at
        end                                                                 as cleared_at,
        coalesce(l.reported_cleared_at < l.raised_at, false)                as cleared_before_raised
    from lifecycle l
)
select * from timed
