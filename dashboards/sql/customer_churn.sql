-- One customer's latest churn score ($customer_id) with its reasons.
select scored_at_date, churn_probability, risk_band, monthly_revenue_eur, revenue_at_risk_eur,
       reason_1, reason_2, reason_3, coalesce(network_reason, false) as network_reason,
       model_version
from churn_scores
where customer_id = $customer_id
order by scored_at_date desc
limit 1
