-- The campaign builder's "expected effect" ranking: each customer's expected churn reduction
-- for each offer whose programme publishes an uplift (one row per customer × offer: of two
-- programmes of one offer, the one with more control outcomes, then by name). Read once per
-- snapshot and joined to the customer base.
with published as (
    select programme, offer,
           row_number() over (partition by offer order by control_outcomes desc, programme)
               as preference
    from uplift_programmes
    where published and offer is not null
),
final as (
    select u.customer_id, u.offer, u.programme, u.expected_churn_reduction
    from customer_uplift u
    join published p using (programme)
    where p.preference = 1
)
select * from final
order by customer_id, offer
