-- Every customer's segment, region, the service types they hold and their monthly revenue
-- (the filter bar's dimensions for customer-level pages).
select customer_id, segment, region, coalesce(cfs_types, []) as cfs_types,
       monthly_revenue_eur
from customers
