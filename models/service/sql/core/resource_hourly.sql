-- model: core.resource_hourly
-- kind: partitioned
-- grain: resource_id, hour
-- not_null: resource_id, date, hour
-- inputs: stg.kpi_15min
-- feeds: kpis
-- core.resource_hourly: one row per resource per UTC hour in scope, from the 15-minute PM
-- counters. Sums and counts are kept beside each other so that every roll-up (to the day, to a
-- service's path) stays a ratio of sums, and an hour with missing intervals averages only the
-- intervals that were reported (`intervals_reported` < 4 says how many were).
-- A counter the feed does not carry stays NULL all the way up (sum() of nothing but NULLs is
-- NULL): an export without an availability counter has not measured "0 s down", it has not
-- measured availability at all (DESIGN.md: an absent measure is never the worst, or the best,
-- value). Counts (`intervals_reported`, `*_n`) are real zeros. A row may measure more than
-- 15 minutes (`interval_minutes`: an hourly export): it falls in the hour it starts and
-- reports that many intervals; its counts are the hour's.
-- Partitioned by `date`: reads only the days in _scope.
select
    k.resource_id,
    cast(k.interval_start as date)                          as date,
    time_bucket(interval 1 hour, k.interval_start)          as hour,
    -- 15-minute intervals reported: an hourly export's row counts as four
    cast(sum(coalesce(k.interval_minutes, 15)) // 15 as bigint) as intervals_reported,
    sum(k.unavailable_s) / 60.0                             as unavailable_minutes,
    sum(k.latency_ms)                                       as latency_ms_sum,
    count(k.latency_ms)                                     as latency_n,
    sum(k.jitter_ms)                                        as jitter_ms_sum,
    count(k.jitter_ms)                                      as jitter_n,
    sum(k.packet_loss_pct)                                  as loss_pct_sum,
    count(k.packet_loss_pct)                                as loss_n,
    sum(k.dl_throughput_mbps)                               as throughput_mbps_sum,
    count(k.dl_throughput_mbps)                             as throughput_n,
    max(k.utilisation_pct)                                  as utilisation_max_pct,
    cast(sum(k.access_attempts) as bigint)                                  as access_attempts,
    cast(sum(k.access_successes) as bigint)                                 as access_successes,
    cast(sum(k.drops) as bigint)                                            as drops,
    cast(sum(k.sessions) as bigint)                                         as sessions
from stg.kpi_15min k
where k.interval_start >= (select min(date) from _scope)
  and k.interval_start < (select max(date) from _scope) + interval 1 day
  and cast(k.interval_start as date) in (select date from _scope)
group by all
