-- outcomes/uplift_features: one row per point (a customer as of a day: an action's date, or the
-- day after the last day of data for scoring), from the registered frame _uplift_points
-- (point_id, customer_id, as_of), built only from what was known BEFORE as_of, so a model
-- trained on actions never sees what happened after the action: the CRM attributes (segment,
-- region, contract, payment, what they pay a month, tenure in days at as_of) and the customer's
-- experience and care in the $lookback days before as_of (marts.customer_daily: poor days,
-- mean experience index, outage minutes, failed sessions, tickets, network tickets). A customer
-- with no day in the window gets zeros for counts and null for the mean index.
-- Parameters: $lookback (days).
with points as (
    select point_id, customer_id, cast(as_of as date) as as_of
    from _uplift_points
),
crm as (
    select customer_id, segment, region, contract_type, payment_method,
           monthly_charges_eur, cast(customer_since as date) as customer_since
    from stg.customers
),
recent as (
    select p.point_id,
           count(d.date)                                        as days_seen,
           coalesce(sum(case when d.poor then 1 else 0 end), 0) as poor_days,
           avg(d.sei_mean)                                      as experience_mean,
           coalesce(sum(d.worst_outage_minutes), 0)             as outage_minutes,
           coalesce(sum(d.session_failures), 0)                 as session_failures,
           coalesce(sum(d.tickets_opened), 0)                   as tickets,
           coalesce(sum(d.network_tickets_opened), 0)           as network_tickets
    from points p
    left join marts.customer_daily d
      on d.customer_id = p.customer_id
     and d.date >= p.as_of - $lookback::integer
     and d.date < p.as_of
    group by p.point_id
),
final as (
    select
        p.point_id, p.customer_id, p.as_of,
        coalesce(c.segment, 'unknown')                                  as segment,
        coalesce(c.region, 'unknown')                                   as region,
        coalesce(c.contract_type, 'unknown')                            as contract_type,
        coalesce(c.payment_method, 'unknown')                           as payment_method,
        coalesce(c.monthly_charges_eur, 0)                              as monthly_charges_eur,
        greatest(coalesce(p.as_of - c.customer_since, 0), 0)            as tenure_days,
        r.poor_days, r.experience_mean, r.outage_minutes, r.session_failures, r.tickets,
        r.network_tickets
    from points p
    left join crm c using (customer_id)
    left join recent r using (point_id)
)
select * from final
order by point_id
