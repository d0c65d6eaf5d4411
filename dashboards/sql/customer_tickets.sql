-- One customer's trouble tickets ($customer_id), latest first; the free text (which may hold
-- personal details) only when $with_text.
select ticket_id, service_id, created_at, channel, category, severity, status,
       hours_to_resolve,
       case when $with_text then description end                  as description
from tickets
where customer_id = $customer_id
order by created_at desc
