-- Every customer-day's experience (what dashboards/period_index.py builds its running sums
-- from): the day's worst-service experience index, whether it was poor, its fault minutes.
select date, customer_id, sei_worst, poor, worst_outage_minutes
from customer_daily
