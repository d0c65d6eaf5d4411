-- core.kpi_resource_daily: one row per resource per UTC day, from the 15-minute counters.
-- Sums and counts are kept beside the means so that roll-ups stay ratios of sums.
create or replace table core.kpi_resource_daily as
with intervals as (
    select * from stg.kpi_15min
),
final as (
    select
        resource_id,
        cast(interval_start as date)                            as date,
        count(*)                                                as intervals_reported,
        sum(coalesce(unavailable_s, 0)) / 60.0                  as unavailable_minutes,
        sum(latency_ms)                                         as latency_ms_sum,
        count(latency_ms)                                       as latency_intervals,
        avg(dl_throughput_mbps)                                 as throughput_mbps,
        sum(access_attempts)                                    as access_attempts,
        sum(access_successes)                                   as access_successes,
        sum(drops)                                              as drops
    from intervals
    group by all
)
select * from final;
