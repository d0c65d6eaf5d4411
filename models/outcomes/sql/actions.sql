-- core.actions: one row per recorded action (a customer treated by a programme, or held out as
-- its control), joined to the customer as the CRM knows them (segment, region, contract, what
-- they pay a month) and to when they left: the first end of one of their customer-facing
-- services after the action (end_date is the first day without service), null if none.
create schema if not exists core;

-- The actions are the feed's (feed_actions: stg.actions, or none) and the dashboard's recorded
-- exports (recorded_actions: pipelines/platform/action_log.py, in the feed's layout), both
-- registered by build.py; an action id both hold is the feed's row (it says what was sent).
create or replace table core.actions as
with feed as (
    select action_id, customer_id, cast(sent_at as timestamp) as sent_at, programme, offer,
           channel, reason, arm, cost_eur
    from feed_actions
),
recorded as (
    select action_id, customer_id, cast(sent_at as timestamp) as sent_at, programme, offer,
           channel, reason, arm, cost_eur
    from recorded_actions r
    where not exists (select 1 from feed f where f.action_id = r.action_id)
),
actions as (
    select action_id, customer_id, sent_at, cast(sent_at as date) as action_date, programme,
           offer, channel, reason, arm, coalesce(cost_eur, 0) as cost_eur
    from (select * from feed union all select * from recorded)
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
