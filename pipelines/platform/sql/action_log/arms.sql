-- The arm every customer of one campaign or care list (:kind, :programme_key) was recorded in
-- by a store of the earlier layout, one row per customer (a range of the primary key); the
-- lists recorded since are lists.sql's.
select customer_id, arm
from recorded_actions
where kind = :kind and programme_key = :programme_key
