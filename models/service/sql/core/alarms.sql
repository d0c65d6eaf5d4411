-- model: core.alarms
-- kind: whole
-- grain: alarm_id
-- not_null: alarm_id
-- inputs: core.alarm_lifecycles, stg.alarm_events
-- feeds: alarms
-- core.alarms: one row per alarm (alarm_id): its lifecycle folded from every event received —
-- raise → changes → clear — whatever order the events arrived in. Tolerates repeated events,
-- clears that come without a raise, and raises never cleared (a symptom alarm whose clear never
-- came is taken to end with its root: effective_cleared_at, clear_inferred). An alarm whose
-- clear never came at all is taken as stale once it has been open longer than 95 % of the
-- cleared alarms of its probable cause took, and never less than a day (`stale_after_minutes`;
-- it is still shown open, but counts as ended then: a lost clear must not become a two-month
-- outage). Severity ranks are explicit: X.733's numeric codes (cleared 1 … warning 6) are not
-- an order of gravity.
-- An alarm cleared before it was raised (the network element's clock and the fault manager's
-- differ: its alarmClearedTime earlier than its raise) is kept, never dropped or quarantined:
-- it did happen, and the queue and the root-cause links need it. Its clear is taken at the
-- clear event's own time when that is not before the raise (the fault manager's clock, the one
-- the raise was read from), else at the raise itself (a zero duration): `cleared_at` is never
-- before `raised_at`, so no duration, fault interval or availability reading is negative. Such
-- an alarm is flagged `cleared_before_raised`, the clear time as sent kept in
-- `reported_cleared_at`, and left out of the usual durations the stale rule learns from (its
-- true duration is unknown). Ingest counts them in the note of the alarm file that brought the
-- contradiction (cleared_before_raised in pipelines/platform/ingest/sources/alarms.py),
-- once per alarm.
-- Each alarm's own fold is core.alarm_lifecycles (core/alarm_lifecycles.sql); this model adds
-- what takes every alarm: the usual durations, the root's clear, staleness.
create schema if not exists core;

create or replace table core.alarms as
with severity_ranks(perceived_severity, severity_rank) as (
    values ('critical', 5), ('major', 4), ('minor', 3), ('warning', 2), ('indeterminate', 1),
           ('cleared', 0)
),
timed as (select * from core.alarm_lifecycles),
usual_durations as (   -- how long cleared alarms of each probable cause stayed open
    select probable_cause,
           greatest(quantile_cont(date_diff('second', raised_at, cleared_at) / 60.0, 0.95),
                    1440.0)                                                 as stale_after_minutes
    from timed
    where cleared_at is not null and raised_at is not null and not cleared_before_raised
    group by probable_cause
    having count(*) >= 5
),
final as (
    select
        l.*,
        coalesce(u.stale_after_minutes, 1440.0)                             as stale_after_minutes,
        (select perceived_severity from severity_ranks r
          where r.severity_rank = l.worst_severity_rank)                    as worst_severity,
        case when l.has_clear then 'cleared' else 'open' end                as status,
        l.has_clear and not l.has_raise                                     as clear_without_raise,
        date_diff('second', l.raised_at, l.cleared_at) / 60.0               as duration_minutes,
        -- a symptom whose clear never came ends with its root alarm (not before its own raise)
        coalesce(l.cleared_at, case when parent.cleared_at is not null   -- greatest() skips nulls
                                    then greatest(parent.cleared_at, l.raised_at) end)
                                                                            as root_or_own_clear,
        l.cleared_at is null and parent.cleared_at is not null              as clear_inferred
    from timed l
    left join timed parent on parent.alarm_id = l.parent_alarm_id
    left join usual_durations u on u.probable_cause = l.probable_cause
)
select
    f.* exclude (root_or_own_clear),
    -- when the clear, or the root's, is missing: stale after the usual time, once the alarm
    -- feed has reached that far (until then it counts as open, up to the end of the data)
    coalesce(f.root_or_own_clear,
             case when f.raised_at + to_minutes(cast(f.stale_after_minutes as bigint))
                       < (select max(event_time) from stg.alarm_events)
                  then f.raised_at + to_minutes(cast(f.stale_after_minutes as bigint)) end)
                                                                            as effective_cleared_at,
    f.root_or_own_clear is null and f.raised_at is not null
        and f.raised_at + to_minutes(cast(f.stale_after_minutes as bigint))
            < (select max(event_time) from stg.alarm_events)
                                                                            as stale
from final f
order by raised_at, alarm_id;
