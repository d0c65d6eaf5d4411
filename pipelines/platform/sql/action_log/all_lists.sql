-- Every recorded list with its download's time (the time its customers were first listed).
select l.export_id, l.kind, l.programme_key, e.at as sent_at, l.customer_rows
from recorded_lists l
join recorded_exports e using (export_id)
order by l.export_id
