-- Record one customer of a downloaded list in the arm the list drew for them; nothing when the
-- customer is recorded for this campaign or incident already (the primary key): they keep the
-- arm of their first recording. Positional values, in the order of the column list (bound as
-- tuples: named values cost a 48,000-customer list about a third more).
insert into recorded_actions (kind, programme_key, customer_id, arm, recorded_at, export_id,
                              programme, offer, channel, reason, cost_eur)
values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
on conflict (kind, programme_key, customer_id) do nothing
