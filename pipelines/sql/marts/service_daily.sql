-- marts.service_daily: one row per CFS per UTC day it was in service (the days the usage feed
-- covers): its usage; the network KPIs it experienced end to end, taken from the access
-- resources that carry it (PON port; serving cells by their share of its traffic,
-- core.service_access_shares) and their paths to the core (core.access_daily); the minutes a
-- service-affecting fault was open on something it depends on (core.service_fault_days); and
-- the trouble tickets raised about it that day.
-- `kpi_coverage` is the share of the day's 96 PM intervals the access resource reported: a day
-- with missing intervals keeps its means over what was reported, and says so here.
-- Partitioned by `date`.
with days as (
    -- the days the usage feed covers: a vendor that files by local day also reports the last
    -- hour(s) of the previous UTC day, which must not become a day of its own
    select distinct date from stg.usage where date in (select date from _scope)
),
service_days as (
    select c.service_id, c.customer_id, c.cfs_type, c.segment, c.region, c.plan_download_mbps,
           d.date
    from core.cfs c
    join days d
      on d.date >= coalesce(c.start_date, d.date)
     and (c.end_date is null or d.date < c.end_date)
),
usage_day as (
    select
        service_id, date,
        sum(data_volume_mb)      as data_volume_mb,
        sum(voice_minutes)       as voice_minutes,
        cast(sum(sessions) as bigint)            as sessions,
        cast(sum(session_failures) as bigint)    as session_failures,
        cast(sum(video_stall_count) as bigint)   as video_stall_count,
        sum(video_stall_seconds) as video_stall_seconds
    from stg.usage
    where date in (select date from _scope)
    group by all
),
network as (
    -- share-weighted means over the access resources; the worst hour of each is weighted the
    -- same way (a cell carrying a tenth of the traffic adds a tenth of its worst hour)
    select
        s.service_id, s.date,
        -- the largest share; ties (equal fallback shares) go the same way on every run
        arg_max(s.resource_id, s.share * 1e6 + hash(s.resource_id) % 997 / 997.0)
                                                                            as access_resource_id,
        sum(s.share * a.intervals_reported) / 96.0                          as kpi_coverage,
        sum(s.share * a.unavailable_minutes)                                as pm_unavailable_minutes,
        sum(s.share * a.latency_ms) / nullif(sum(s.share) filter (where a.latency_ms is not null), 0)
                                                                            as latency_ms,
        sum(s.share * a.latency_ms_worst_hour) / nullif(sum(s.share) filter (
            where a.latency_ms_worst_hour is not null), 0)                  as latency_ms_worst_hour,
        sum(s.share * a.jitter_ms) / nullif(sum(s.share) filter (where a.jitter_ms is not null), 0)
                                                                            as jitter_ms,
        sum(s.share * a.packet_loss_pct) / nullif(sum(s.share) filter (
            where a.packet_loss_pct is not null), 0)                        as packet_loss_pct,
        sum(s.share * a.packet_loss_pct_worst_hour) / nullif(sum(s.share) filter (
            where a.packet_loss_pct_worst_hour is not null), 0)             as packet_loss_pct_worst_hour,
        sum(s.share * a.throughput_mbps) / nullif(sum(s.share) filter (
            where a.throughput_mbps is not null), 0)                        as throughput_mbps,
        sum(s.share * a.throughput_mbps_worst_hour) / nullif(sum(s.share) filter (
            where a.throughput_mbps_worst_hour is not null), 0)             as throughput_mbps_worst_hour,
        max(a.utilisation_max_pct)                                          as utilisation_max_pct,
        sum(s.share * a.access_attempts)                                    as access_attempts,
        sum(s.share * a.access_successes)                                   as access_successes,
        sum(s.share * a.drops)                                              as drops,
        sum(s.share * a.intervals_reported)                                 as latency_intervals
    from core.service_access_shares s
    left join core.access_daily a on a.resource_id = s.resource_id and a.date = s.date
    where s.date in (select date from _scope)
    group by all
),
faults as (
    select service_id, date, fault_minutes, planned, fault_resource_id, first_fault_at
    from core.service_fault_days
    where date in (select date from _scope)
),
tickets as (
    select service_id, cast(created_at as date) as date, count(*) as tickets_opened
    from stg.tickets
    where service_id is not null and cast(created_at as date) in (select date from _scope)
    group by all
)
select
    sd.date, sd.service_id, sd.customer_id, sd.cfs_type, sd.segment, sd.region,
    n.access_resource_id,
    coalesce(u.data_volume_mb, 0)                       as data_volume_mb,
    coalesce(u.voice_minutes, 0)                        as voice_minutes,
    coalesce(u.sessions, 0)                             as sessions,
    coalesce(u.session_failures, 0)                     as session_failures,
    coalesce(u.video_stall_count, 0)                    as video_stall_count,
    coalesce(u.video_stall_seconds, 0)                  as video_stall_seconds,
    least(coalesce(f.fault_minutes, 0), 1440.0)         as outage_minutes,
    coalesce(f.planned, false)                          as planned_outage,
    f.fault_resource_id,
    f.first_fault_at,
    least(coalesce(n.pm_unavailable_minutes, 0), 1440.0) as pm_unavailable_minutes,
    coalesce(n.kpi_coverage, 0)                         as kpi_coverage,
    n.latency_ms,
    n.latency_ms_worst_hour,
    n.jitter_ms,
    n.packet_loss_pct,
    n.packet_loss_pct_worst_hour,
    n.throughput_mbps,
    n.throughput_mbps_worst_hour,
    sd.plan_download_mbps,
    n.utilisation_max_pct,
    n.access_attempts,
    n.access_successes,
    n.drops,
    cast(round(coalesce(n.latency_intervals, 0)) as bigint) as latency_intervals,
    coalesce(t.tickets_opened, 0)                       as tickets_opened
from service_days sd
left join usage_day u on u.service_id = sd.service_id and u.date = sd.date
left join network n on n.service_id = sd.service_id and n.date = sd.date
left join faults f on f.service_id = sd.service_id and f.date = sd.date
left join tickets t on t.service_id = sd.service_id and t.date = sd.date
