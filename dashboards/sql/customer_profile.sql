-- One customer ($customer_id) as the CRM knows them; contact details only when $with_contacts.
select customer_id, segment, region, city, contract_type, payment_method, customer_since,
       status, services_active, cfs_types, monthly_revenue_eur, last_service_end,
       case when $with_contacts then name end                     as name,
       case when $with_contacts then email end                    as email,
       case when $with_contacts then phone end                    as phone
from customers
where customer_id = $customer_id
