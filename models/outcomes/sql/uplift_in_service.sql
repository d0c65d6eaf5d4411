-- outcomes/uplift_in_service: whom the uplift model scores: one row per customer with a
-- customer-facing service in service on $day (started on or before it, not ended by it), as a
-- point of uplift_features.sql as of that day. Parameters: $day (date).
select distinct customer_id as point_id, customer_id, $day::date as as_of
from core.cfs
where customer_id is not null
  and coalesce(start_date, $day::date) <= $day::date
  and (end_date is null or end_date > $day::date)
order by customer_id
