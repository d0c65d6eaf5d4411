-- incidents.touched_alarms: one row per alarm whose lifecycle (core.alarms) differs from what the
-- incident models last processed (incidents.alarm_state): new alarms, changed ones (a clear, an
-- escalation, a late raise), and alarms that disappeared. `fold_key` names the resource and
-- probable cause the alarm folds under, now and before.
create or replace table incidents.touched_alarms as
with now_state as (
    select alarm_id,
           alarmed_object_id || '|' || coalesce(probable_cause, 'unknown')        as fold_key,
           hash(raised_at, effective_cleared_at, worst_severity_rank, service_affecting,
                planned_outage, is_root_cause, parent_alarm_id, alarmed_object_id,
                probable_cause, specific_problem)                                  as fingerprint
    from core.alarms
    where raised_at is not null and alarmed_object_id is not null
)
select coalesce(n.alarm_id, o.alarm_id) as alarm_id, n.fold_key, o.fold_key as old_fold_key,
       n.fingerprint
from now_state n
full join incidents.alarm_state o on o.alarm_id = n.alarm_id
where n.fingerprint is distinct from o.fingerprint;

-- the fold keys to recompute: where a touched alarm lies now and where it lay before
insert into incidents.scope_keys
select fold_key from incidents.touched_alarms where fold_key is not null
union
select old_fold_key from incidents.touched_alarms where old_fold_key is not null;

-- remember what was processed
delete from incidents.alarm_state
where alarm_id in (select alarm_id from incidents.touched_alarms);
insert into incidents.alarm_state
select alarm_id, fold_key, fingerprint from incidents.touched_alarms where fingerprint is not null;
