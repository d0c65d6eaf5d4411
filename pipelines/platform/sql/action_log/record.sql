-- Record one customer of a downloaded list (:kind, :programme_key, :customer_id) in the arm the
-- list drew for them; nothing when the customer is recorded for this campaign or incident
-- already (the primary key): they keep the arm of their first recording.
insert into recorded_actions (kind, programme_key, customer_id, arm, recorded_at, export_id,
                              programme, offer, channel, reason, cost_eur)
values (:kind, :programme_key, :customer_id, :arm, :at, :export_id,
        :programme, :offer, :channel, :reason, :cost_eur)
on conflict (kind, programme_key, customer_id) do nothing
