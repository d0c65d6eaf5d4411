-- core.kpi_resource_daily: one row per resource per UTC day, rolled up from core.resource_hourly.
-- Means are over the intervals actually reported (a day with gaps is not diluted by zeros);
-- `intervals_reported` (of 96) says how complete the day is.
-- Partitioned by `date`.
select
    resource_id,
    date,
    sum(intervals_reported)                                     as intervals_reported,
    sum(unavailable_minutes)                                    as unavailable_minutes,
    sum(latency_ms_sum)                                         as latency_ms_sum,
    sum(latency_n)                                              as latency_intervals,
    sum(latency_ms_sum) / nullif(sum(latency_n), 0)             as latency_ms,
    sum(jitter_ms_sum) / nullif(sum(jitter_n), 0)               as jitter_ms,
    sum(loss_pct_sum) / nullif(sum(loss_n), 0)                  as packet_loss_pct,
    sum(throughput_mbps_sum) / nullif(sum(throughput_n), 0)     as throughput_mbps,
    max(utilisation_max_pct)                                    as utilisation_max_pct,
    sum(access_attempts)                                        as access_attempts,
    sum(access_successes)                                       as access_successes,
    sum(drops)                                                  as drops,
    sum(sessions)                                               as sessions
from core.resource_hourly
where date in (select date from _scope)
group by all
