-- Every recorded action in the actions feed's layout (pipelines/platform/ingest/sources/
-- actions.py): the action id is the identity, <kind>:<campaign code or incident id>:<customer>,
-- so a list recorded again and a feed that sends the same ids back are one action each.
select kind || ':' || programme_key || ':' || customer_id as action_id,
       customer_id, recorded_at as sent_at, programme, offer, channel, reason, arm, cost_eur
from recorded_actions
order by recorded_at, kind, programme_key, customer_id
