-- The downloads since :since (an ISO 8601 UTC time; '' for all), newest first, with the totals
-- their campaign or incident has recorded per arm so far.
select e.export_id, e.at, e.kind, e.programme_key, e.user, e.role, e.via, e.snapshot,
       e.control_rate, e.listed, e.new_treated, e.new_control,
       (select count(*) from recorded_actions a
        where a.kind = e.kind and a.programme_key = e.programme_key
          and a.export_id <= e.export_id and a.arm = 'treated') as treated,
       (select count(*) from recorded_actions a
        where a.kind = e.kind and a.programme_key = e.programme_key
          and a.export_id <= e.export_id and a.arm = 'control') as control
from recorded_exports e
where e.at >= :since
order by e.export_id desc
