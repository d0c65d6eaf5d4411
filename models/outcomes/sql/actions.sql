-- core.actions: one row per recorded action (a customer treated by a programme, or held out as
-- its control), joined to the customer as the CRM knows them (segment, region, contract, what
-- they pay a month) and to when they left: the first end of one of their customer-facing
-- services after the action (end_date is the first day without service), null if none.
create schema if not exists core;

create or replace table core.actions as
with actions as (
    select action_id, customer_id, sent_at, cast(sent_at as date) as action_date, programme,
           offer, channel, reason, arm, coalesce(cost_eur, 0) as cost_eur
    from stg.actions
),
customers as (
    select customer_id, segment, region, contract_type, monthly_charges_eur
    from stg.customers
),
churned as (
    select a.action_id, min(c.end_date) as churn_date
    from actions a
    join core.cfs c
      on c.customer_id = a.customer_id
     and c.end_date > a.action_date
    group by a.action_id
),
final as (
    select
        a.*,
        coalesce(c.segment, 'unknown')       as segment,
        coalesce(c.region, 'unknown')        as region,
        coalesce(c.contract_type, 'unknown') as contract_type,
        coalesce(c.monthly_charges_eur, 0)   as monthly_charges_eur,
        ch.churn_date
    from actions a
    left join customers c using (customer_id)
    left join churned ch using (action_id)
)
select * from final
order by action_id;
