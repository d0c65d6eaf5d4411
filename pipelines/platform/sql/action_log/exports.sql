-- The downloads since :since (an ISO 8601 UTC time; '' for all), newest first, with the totals
-- their campaign or incident had recorded per arm by then (the sums of what each download
-- recorded new).
select e.export_id, e.at, e.kind, e.programme_key, e.user, e.role, e.via, e.snapshot,
       e.control_rate, e.listed, e.new_treated, e.new_control,
       (select sum(p.new_treated) from recorded_exports p
        where p.kind = e.kind and p.programme_key = e.programme_key
          and p.export_id <= e.export_id) as treated,
       (select sum(p.new_control) from recorded_exports p
        where p.kind = e.kind and p.programme_key = e.programme_key
          and p.export_id <= e.export_id) as control
from recorded_exports e
where e.at >= :since
order by e.export_id desc
