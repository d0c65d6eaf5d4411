-- One customer's days ($customer_id, $start … $end): how their worst service felt, whether
-- the day was poor and why, minutes of fault, tickets raised.
select date, sei_worst, poor, worst_cfs_type, worst_reason, worst_outage_minutes,
       tickets_opened, services_active
from customer_daily
where customer_id = $customer_id and date between $start and $end
order by date
