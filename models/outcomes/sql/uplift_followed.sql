-- outcomes/uplift_followed: what the uplift model learns from: one row per action followed
-- $window days (core.action_outcomes), its programme, arm, day and whether the customer left
-- within the window. Parameters: $window (days).
select action_id as point_id, customer_id, programme, arm, action_date, churned
from core.action_outcomes
where window_days = $window
order by action_id
