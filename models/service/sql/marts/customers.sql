-- model: marts.customers
-- kind: whole
-- grain: customer_id
-- not_null: customer_id
-- inputs: core.cfs, stg.customers
-- feeds: customers
-- marts.customers: one row per customer, as the CRM knows them, with how many services they
-- hold now and what those cost a month. Contact details (name, e-mail, phone) are personal
-- data: the dashboard shows them only to the roles that need them (see dashboards/roles.py).
-- Marketing consent (general and per channel) is carried as the CRM gave it: null is unknown,
-- and every export treats unknown as no consent (dashboards/campaign.py).
create schema if not exists marts;

create or replace table marts.customers as
with services as (
    select customer_id,
           count(*) filter (where end_date is null)                      as services_active,
           count(*)                                                      as services_ever,
           list_sort(list_distinct(list(cfs_type)))                      as cfs_types,
           sum(monthly_price_eur) filter (where end_date is null)        as monthly_revenue_eur,
           max(end_date)                                                 as last_service_end
    from core.cfs
    group by customer_id
)
select
    c.customer_id, c.name, c.email, c.phone, c.segment, c.region, c.city, c.contract_type,
    c.payment_method, c.customer_since, c.monthly_charges_eur, c.status,
    c.marketing_opt_in, c.consent_email, c.consent_sms, c.consent_phone,
    c.preferred_language, c.preferred_channel,
    coalesce(s.services_active, 0)        as services_active,
    coalesce(s.services_ever, 0)          as services_ever,
    s.cfs_types,
    coalesce(s.monthly_revenue_eur, 0)    as monthly_revenue_eur,
    s.last_service_end
from stg.customers c
left join services s using (customer_id)
order by c.customer_id;
