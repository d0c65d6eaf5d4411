-- marts.kpi_daily: one row per day × region × segment × CFS type: the sums and counts every
-- shared KPI in pipelines/metrics.py is computed from (ratios of sums, never means of ratios).
-- Partitioned by `date`.
select
    date, region, segment, cfs_type,
    count(*)                                                    as active_services,
    count(distinct customer_id)                                 as customers_active,
    count(*) * 1440.0                                           as service_minutes,
    sum(outage_minutes)                                         as outage_service_minutes,
    count(*) filter (where outage_minutes > 0)                  as services_hurt,
    sum(sessions)                                               as sessions,
    sum(session_failures)                                       as session_failures,
    sum(coalesce(latency_ms, 0) * latency_intervals)            as latency_ms_x_intervals,
    sum(latency_intervals)                                      as latency_intervals,
    sum(data_volume_mb)                                         as data_volume_mb,
    sum(tickets_opened)                                         as tickets_opened
from marts.service_daily
where date in (select date from _scope)
group by all
