-- The actions a store of the earlier layout recorded one row per customer, in the actions
-- feed's layout (pipelines/platform/ingest/sources/actions.py) but for the action id, which
-- action_log.py makes for these and the recorded lists (all_lists.sql) alike.
select kind, programme_key, customer_id, recorded_at as sent_at, programme, offer, channel,
       reason, arm, cost_eur
from recorded_actions
