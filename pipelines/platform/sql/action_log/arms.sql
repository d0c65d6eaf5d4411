-- The arm every customer of one campaign or care list (:kind, :programme_key) is recorded in
-- (a range of the primary key).
select customer_id, arm
from recorded_actions
where kind = :kind and programme_key = :programme_key
