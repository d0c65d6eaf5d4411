-- incidents.touched_alarms: one row per alarm whose lifecycle (core.alarms) differs from what the
-- incident models last processed (incidents.alarm_state): new alarms, changed ones (a clear, an
-- escalation, a late raise), and alarms that disappeared. `fold_key` names the resource and
-- probable cause the alarm folds under, now and before.
create or replace table incidents.touched_alarms as
with now_state as (
    select alarm_id,
           alarmed_object_id || '|' || coalesce(probable_cause, 'unknown')        as fold_key,
           -- md5, not hash(): hash() differs between DuckDB releases and other engines
           -- (Spark's is a 32-bit Murmur3), md5 is the same everywhere; '~' stands for NULL
           md5(concat_ws('|',
               coalesce(cast(raised_at as varchar), '~'),
               coalesce(cast(effective_cleared_at as varchar), '~'),
               coalesce(cast(worst_severity_rank as varchar), '~'),
               coalesce(cast(service_affecting as varchar), '~'),
               coalesce(cast(planned_outage as varchar), '~'),
               coalesce(cast(is_root_cause as varchar), '~'),
               coalesce(parent_alarm_id, '~'), alarmed_object_id,
               coalesce(probable_cause, '~'), coalesce(specific_problem, '~')))  as fingerprint
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
