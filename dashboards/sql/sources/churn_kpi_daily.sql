-- needs: churn_scores, customers
-- churn_kpi_daily, derived when the snapshot does not carry it: one row per scoring day ×
-- region × segment, the sums the churn metrics (dashboards/registry.py) are ratios of. A score
-- is dated by the last day of data it saw: the churn model scores on the day after the last
-- day (scored_at_date), so `date` is scored_at_date − 1 and lands inside the filter bar's range.
select cast(cs.scored_at_date - 1 as date)                        as date,
       c.region,
       c.segment,
       count(*)                                                   as customers_scored,
       count(*) filter (where cs.risk_band = 'high')              as customers_high_risk,
       sum(cs.churn_probability)                                  as churn_probability_sum,
       sum(cs.revenue_at_risk_eur)                                as revenue_at_risk_eur,
       sum(cs.monthly_revenue_eur)                                as monthly_revenue_eur
from churn_scores cs
join customers c using (customer_id)
group by all
