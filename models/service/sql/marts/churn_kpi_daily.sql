-- model: marts.churn_kpi_daily
-- kind: whole
-- grain: date, region, segment
-- not_null: date
-- inputs: marts.churn_scores, marts.customers
-- feeds: customers, services, catalog, kpis, usage
-- marts.churn_kpi_daily: one row per scoring day × region × segment: the sums the churn metrics
-- (churn risk, revenue at risk; pipelines/platform/metrics.py) are ratios of. A score is dated
-- by the last day of data it saw: the churn model scores on the day after the last day
-- (scored_at_date), so `date` is scored_at_date − 1 and lands inside the filter bar's range.
-- It reads the churn scores, so it is built after churn scoring, when the job publishes
-- (models/graph.py, STAGE_TABLES), and only while there are scores.
create schema if not exists marts;

create or replace table marts.churn_kpi_daily as
select cast(cs.scored_at_date - 1 as date)                        as date,
       c.region,
       c.segment,
       count(*)                                                   as customers_scored,
       count(*) filter (where cs.risk_band = 'high')              as customers_high_risk,
       sum(cs.churn_probability)                                  as churn_probability_sum,
       sum(cs.revenue_at_risk_eur)                                as revenue_at_risk_eur,
       sum(cs.monthly_revenue_eur)                                as monthly_revenue_eur
from marts.churn_scores cs
join marts.customers c using (customer_id)
group by all
order by date, region, segment;
