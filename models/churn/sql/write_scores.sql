-- churn/write_scores: replace marts.churn_scores and marts.churn_drivers with the frames the
-- scorer registered (_churn_scores, _churn_drivers; models/churn/world.py). Run inside one
-- transaction, so readers see either the previous scores or these.
-- marts.churn_scores: one row per customer in service at scored_at_date: the probability that
-- one of their CFS ends within the horizon (30 days by default), the risk band, monthly revenue
-- and revenue at risk (probability × monthly revenue), up to three reasons in plain language,
-- whether any of them is rooted in the network, and the model version and run that wrote it.
-- marts.churn_drivers: one row per segment × risk band × feature ('all' rows included): how
-- many of the customers have that feature among their top three reasons.
-- marts.churn_score_history: one row per scoring day × region × segment, kept across runs (the
-- one table here that is appended to, not replaced): the sums the churn KPIs are ratios of
-- (marts.churn_kpi_daily reads them), with the model version and run that scored. A scoring of
-- a day already recorded (a re-run on the same data) replaces that day's rows.
create schema if not exists marts;

create or replace table marts.churn_scores as
select
    cast(customer_id as varchar)            as customer_id,
    cast(scored_at_date as date)            as scored_at_date,
    cast(churn_probability as double)       as churn_probability,
    cast(risk_band as varchar)              as risk_band,
    cast(monthly_revenue_eur as double)     as monthly_revenue_eur,
    cast(revenue_at_risk_eur as double)     as revenue_at_risk_eur,
    cast(reason_1 as varchar)               as reason_1,
    cast(reason_2 as varchar)               as reason_2,
    cast(reason_3 as varchar)               as reason_3,
    cast(network_reason as boolean)         as network_reason,
    cast(segment as varchar)                as segment,
    cast(model_version as varchar)          as model_version,
    cast(run_id as varchar)                 as run_id
from _churn_scores
order by customer_id;

create or replace table marts.churn_drivers as
select
    cast(segment as varchar)                as segment,
    cast(risk_band as varchar)              as risk_band,
    cast(feature as varchar)                as feature,
    cast(feature_label as varchar)          as feature_label,
    cast(network as boolean)                as network,
    cast(customers as bigint)               as customers,
    cast(customers_with_reason as bigint)   as customers_with_reason,
    cast(share as double)                   as share,
    cast(mean_contribution as double)       as mean_contribution,
    cast(revenue_at_risk_eur as double)     as revenue_at_risk_eur,
    cast(scored_at_date as date)            as scored_at_date,
    cast(model_version as varchar)          as model_version,
    cast(run_id as varchar)                 as run_id
from _churn_drivers
order by segment, risk_band, customers_with_reason desc, feature;

create table if not exists marts.churn_score_history (
    scored_at_date          date not null,
    region                  varchar,
    segment                 varchar,
    customers_scored        bigint not null,
    customers_high_risk     bigint not null,
    churn_probability_sum   double not null,
    revenue_at_risk_eur     double not null,
    monthly_revenue_eur     double not null,
    model_version           varchar,
    run_id                  varchar
);

delete from marts.churn_score_history
where scored_at_date in (select scored_at_date from _churn_history);

insert into marts.churn_score_history
select
    cast(scored_at_date as date)            as scored_at_date,
    cast(region as varchar)                 as region,
    cast(segment as varchar)                as segment,
    cast(customers_scored as bigint)        as customers_scored,
    cast(customers_high_risk as bigint)     as customers_high_risk,
    cast(churn_probability_sum as double)   as churn_probability_sum,
    cast(revenue_at_risk_eur as double)     as revenue_at_risk_eur,
    cast(monthly_revenue_eur as double)     as monthly_revenue_eur,
    cast(model_version as varchar)          as model_version,
    cast(run_id as varchar)                 as run_id
from _churn_history
order by region, segment;
