-- One row per scored customer: their latest churn score, its band, revenue at risk and the
-- model's reasons (churn_scores may hold several scoring days).
select customer_id, scored_at_date, churn_probability, risk_band, monthly_revenue_eur,
       revenue_at_risk_eur, reason_1, reason_2, reason_3,
       coalesce(network_reason, false)                 as network_reason,
       model_version
from churn_scores
qualify row_number() over (partition by customer_id order by scored_at_date desc) = 1
