-- model: marts.kpi_daily
-- kind: partitioned
-- grain: date, region, segment, cfs_type
-- not_null: date
-- inputs: marts.service_daily, marts.service_experience_daily
-- feeds: customers, services, catalog, kpis|usage
-- marts.kpi_daily: one row per day × region × segment × CFS type: the sums and counts every
-- shared KPI in pipelines/platform/metrics.py is computed from (ratios of sums, never means of ratios).
-- Partitioned by `date`.
select
    sd.date, sd.region, sd.segment, sd.cfs_type,
    count(*)                                                    as active_services,
    count(distinct sd.customer_id)                                 as customers_active,
    count(*) * 1440.0::double                                          as service_minutes,
    sum(sd.outage_minutes)                                      as outage_service_minutes,
    count(*) filter (where sd.outage_minutes > 0)               as services_hurt,
    cast(sum(sessions) as bigint)                                               as sessions,
    cast(sum(session_failures) as bigint)                                       as session_failures,
    sum(coalesce(latency_ms, 0) * latency_intervals)            as latency_ms_x_intervals,
    cast(sum(latency_intervals) as bigint)                                      as latency_intervals,
    sum(data_volume_mb)                                         as data_volume_mb,
    cast(sum(tickets_opened) as bigint)                         as tickets_opened,
    sum(e.sei)                                                  as sei_sum,
    count(e.sei)                                                as sei_scored,
    count(*) filter (where e.poor)                              as poor_service_days
from marts.service_daily sd
left join (
    select service_id, date, sei, poor from marts.service_experience_daily
    where date in (select date from _scope)
) e on e.service_id = sd.service_id and e.date = sd.date
where sd.date in (select date from _scope)
group by all
