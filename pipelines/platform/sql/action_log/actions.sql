-- The actions a store of the earlier layout recorded one row per customer, in the actions
-- feed's layout (pipelines/platform/ingest/sources/actions.py) but for the action id, which
-- action_log.py makes for these and the recorded lists (all_lists.sql) alike.
-- Columns in the order ActionLog.actions() lays the recorded lists out.
select kind, programme_key, recorded_at as sent_at, customer_id, arm, programme, offer, channel,
       reason, cost_eur
from recorded_actions
