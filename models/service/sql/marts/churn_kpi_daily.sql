-- model: marts.churn_kpi_daily
-- kind: whole
-- grain: date, region, segment
-- not_null: date
-- inputs: marts.churn_score_history
-- feeds: customers, services, catalog, kpis, usage
-- marts.churn_kpi_daily: one row per scoring day × region × segment: the sums the churn metrics
-- (churn risk, revenue at risk; pipelines/platform/metrics.py) are ratios of, for every scoring
-- recorded in marts.churn_score_history (models/churn/world.py appends each run's), so the
-- churn KPIs have a trend and past periods. A score is dated by the last day of data it saw:
-- the churn model scores on the day after the last day (scored_at_date), so `date` is
-- scored_at_date − 1 and lands inside the filter bar's range.
-- It reads what churn scoring builds, so it is built after it, when the job publishes
-- (models/graph.py, STAGE_TABLES), and only while there are scores.
create schema if not exists marts;

create or replace table marts.churn_kpi_daily as
select cast(h.scored_at_date - 1 as date)                         as date,
       h.region,
       h.segment,
       cast(sum(h.customers_scored) as bigint)                    as customers_scored,
       cast(sum(h.customers_high_risk) as bigint)                 as customers_high_risk,
       sum(h.churn_probability_sum)                               as churn_probability_sum,
       sum(h.revenue_at_risk_eur)                                 as revenue_at_risk_eur,
       sum(h.monthly_revenue_eur)                                 as monthly_revenue_eur
from marts.churn_score_history h
group by all
order by date, region, segment;
