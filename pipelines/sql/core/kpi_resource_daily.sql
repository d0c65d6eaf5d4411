-- core.kpi_resource_daily: one row per resource per UTC day, rolled up from core.resource_hourly.
-- Means are over the intervals actually reported (a day with gaps is not diluted by zeros);
-- `intervals_reported` (of 96) says how complete the day is.
-- Partitioned by `date`.
select
    resource_id,
    date,
    cast(sum(intervals_reported) as bigint)                                     as intervals_reported,
    sum(unavailable_minutes)                                    as unavailable_minutes,
    sum(latency_ms_sum)                                         as latency_ms_sum,
    cast(sum(latency_n) as bigint)                                              as latency_intervals,
    sum(latency_ms_sum) / nullif(cast(sum(latency_n) as bigint), 0)             as latency_ms,
    sum(jitter_ms_sum) / nullif(sum(jitter_n), 0)               as jitter_ms,
    sum(loss_pct_sum) / nullif(sum(loss_n), 0)                  as packet_loss_pct,
    sum(throughput_mbps_sum) / nullif(sum(throughput_n), 0)     as throughput_mbps,
    max(utilisation_max_pct)                                    as utilisation_max_pct,
    cast(sum(access_attempts) as bigint)                                        as access_attempts,
    cast(sum(access_successes) as bigint)                                       as access_successes,
    cast(sum(drops) as bigint)                                                  as drops,
    cast(sum(sessions) as bigint)                                               as sessions
from core.resource_hourly
where date in (select date from _scope)
group by all
