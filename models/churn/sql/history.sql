-- churn/history: the days of customer history the warehouse holds (marts.customer_daily), from
-- which models/churn/features.py derives the snapshot dates. One row.
select min(date) as first_day, max(date) as last_day, count(distinct date) as days_held
from marts.customer_daily
