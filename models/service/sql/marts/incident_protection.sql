-- model: marts.incident_protection
-- kind: whole
-- grain: incident_id
-- not_null: incident_id, customers_cared, protection
-- inputs: incidents.queue, incidents.incidents, incidents.care_list, marts.protected_kpi_daily
-- feeds: actions, alarms|kpis
-- marts.incident_protection: what operations protected, one row per incident of the queue:
-- what it put at risk (revenue at risk, € a month, and the customers it hurt, as the queue has
-- them), how fast service came back (restored within: hours from start to clear, NULL while
-- it is not cleared), the customers on its care list, those cared for (recorded care actions
-- that followed it, marts.protected_kpi_daily says how an action is matched to its incident
-- and its programme's effect; `control_customers`: held out, sent nothing) and
-- the churn they avoided and monthly revenue they kept by the care programmes' measured effect,
-- with the 95 % bounds (for several programmes, their bounds added: conservative).
-- `protection` says how far that is measured:
--   'no care recorded'  nobody was cared for after it;
--   'not measured'      no programme of its care has a measured effect (too few to tell yet):
--                       churn avoided and revenue protected are NULL, never 0;
--   'partly measured'   some of its cared-for customers' programmes are measured: the figures
--                       add those only (customers_cared_measured says how many);
--   'measured'          every cared-for customer's programme is.
-- Built when the job publishes, after the incident models and the outcomes step.
create schema if not exists marts;

create or replace table marts.incident_protection as
with care as (
    select incident_id,
           cast(sum(customers_cared) as bigint)                             as customers_cared,
           cast(sum(control_customers) as bigint)                           as control_customers,
           cast(sum(customers_cared_measured) as bigint)             as customers_cared_measured,
           sum(churn_avoided)                                               as churn_avoided,
           sum(churn_avoided_low)                                           as churn_avoided_low,
           sum(churn_avoided_high)                                         as churn_avoided_high,
           sum(revenue_protected_eur)                                       as revenue_protected_eur,
           sum(revenue_protected_low_eur)                            as revenue_protected_low_eur,
           sum(revenue_protected_high_eur)                          as revenue_protected_high_eur,
           string_agg(distinct programmes, ', ' order by programmes)        as programmes
    from marts.protected_kpi_daily
    group by incident_id
),
listed as (
    select incident_id, count(*) as care_list_customers
    from incidents.care_list
    group by incident_id
)
select q.incident_id, q.rank, q.title, q.started_at, cast(q.started_at as date) as date,
       i.region, q.status,
       q.revenue_at_risk_eur, q.affected_customers,
       case when i.status = 'cleared' and i.ended_at is not null
            then round(date_diff('second', i.started_at, i.ended_at) / 3600.0, 2)
       end                                                        as restored_within_hours,
       coalesce(l.care_list_customers, 0)                         as care_list_customers,
       coalesce(c.customers_cared, 0)                             as customers_cared,
       coalesce(c.control_customers, 0)                           as control_customers,
       coalesce(c.customers_cared_measured, 0)                    as customers_cared_measured,
       c.churn_avoided, c.churn_avoided_low, c.churn_avoided_high,
       c.revenue_protected_eur, c.revenue_protected_low_eur, c.revenue_protected_high_eur,
       c.programmes,
       case when coalesce(c.customers_cared, 0) = 0 then 'no care recorded'
            when c.customers_cared_measured = 0 then 'not measured'
            when c.customers_cared_measured < c.customers_cared then 'partly measured'
            else 'measured' end                                   as protection
from incidents.queue q
left join incidents.incidents i on i.incident_id = q.incident_id
left join listed l on l.incident_id = q.incident_id
left join care c on c.incident_id = q.incident_id
order by q.rank;
