-- model: marts.customer_kpi_daily
-- kind: partitioned
-- grain: date, region, segment
-- not_null: date
-- inputs: marts.customer_daily
-- feeds: customers, services, catalog, kpis|usage
-- marts.customer_kpi_daily: one row per day × region × segment: the customer-level sums the
-- shared KPIs about customers are computed from (customers counted once however many services
-- they hold; pipelines/platform/metrics.py).
-- Partitioned by `date`.
select
    date, region, segment,
    count(*)                                                  as customers_active,
    count(*) filter (where poor)                              as customers_poor,
    count(*) filter (where worst_outage_minutes > 0)          as customers_hurt,
    sum(sei_worst)                                            as sei_worst_sum,
    count(sei_worst)                                          as sei_scored,
    sum(monthly_revenue_eur)                                  as monthly_revenue_eur,
    sum(monthly_revenue_eur) filter (where poor)              as monthly_revenue_poor_eur,
    cast(sum(tickets_opened) as bigint)                       as tickets_opened,
    cast(sum(survey_responses) as bigint)                     as survey_responses
from marts.customer_daily
where date in (select date from _scope)
group by all
