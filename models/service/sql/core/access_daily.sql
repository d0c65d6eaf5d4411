-- model: core.access_daily
-- kind: partitioned
-- grain: resource_id, date
-- not_null: resource_id, date
-- inputs: core.access_hourly
-- feeds: kpis
-- core.access_daily: one row per access resource per UTC day, from core.access_hourly: the
-- day's mean path KPIs and its worst hour (a three-hour evening slowdown that a daily mean
-- dilutes still shows in the worst hour), and the day's completeness. Aggregates skip the
-- hours a counter was not reported; a counter reported in no hour stays NULL (not measured).
-- Partitioned by `date`.
select
    resource_id,
    date,
    cast(sum(intervals_reported) as bigint)                                 as intervals_reported,
    sum(unavailable_minutes)                                as unavailable_minutes,
    avg(latency_ms)                                         as latency_ms,
    max(latency_ms)                                         as latency_ms_worst_hour,
    avg(jitter_ms)                                          as jitter_ms,
    max(jitter_ms)                                          as jitter_ms_worst_hour,
    avg(packet_loss_pct)                                    as packet_loss_pct,
    max(packet_loss_pct)                                    as packet_loss_pct_worst_hour,
    avg(throughput_mbps)                                    as throughput_mbps,
    min(throughput_mbps)                                    as throughput_mbps_worst_hour,
    max(utilisation_max_pct)                                as utilisation_max_pct,
    cast(sum(access_attempts) as bigint)                                    as access_attempts,
    cast(sum(access_successes) as bigint)                                   as access_successes,
    cast(sum(drops) as bigint)                                              as drops,
    cast(sum(sessions) as bigint)                                           as sessions
from core.access_hourly
where date in (select date from _scope)
group by all
