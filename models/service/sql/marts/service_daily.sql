-- model: marts.service_daily
-- kind: partitioned
-- grain: service_id, date
-- not_null: service_id, date
-- inputs: core.access_daily, core.cfs, core.service_access_shares, core.service_dates,
--     core.service_fault_days, stg.alarm_events, stg.tickets, stg.usage
-- feeds: services, catalog, kpis|usage
-- marts.service_daily: one row per CFS per UTC day it was in service (core.service_dates: the
-- days the usage feed covers, else those the PM counters cover): its usage; the network KPIs
-- it experienced end to end, taken from the access resources that carry it (PON port; serving
-- cells by their share of its traffic, core.service_access_shares) and their paths to the
-- core (core.access_daily); the minutes a service-affecting fault was open on something it
-- depends on (core.service_fault_days); and the trouble tickets raised about it that day.
-- `kpi_coverage` is the share of the day's 96 PM intervals the access resource reported: a day
-- with missing intervals keeps its means over what was reported, and says so here.
-- Absent is not zero (DESIGN.md): a measure no feed carries is NULL, "not measured", and the
-- experience index leaves it out. `outage_minutes` is NULL while no alarm feed was ever
-- loaded (with one, a day without a fault is a measured 0); `pm_unavailable_minutes` is NULL
-- when the PM export has no availability counter; a usage column the xDR feed does not carry
-- is NULL on the days the service has usage records (a service with none that day really had
-- no sessions, failures or stalls: 0). The remaining COALESCEs: `planned_outage` (a flag:
-- no fault, nothing planned), `kpi_coverage` and `latency_intervals` (counts of intervals
-- reported: none is 0), `tickets_opened` (a count of tickets; with no care feed loaded it
-- reads 0, which no score takes as good or bad).
-- Partitioned by `date`.
with feeds as (
    -- an alarm feed exists once any alarm event was loaded (staging/placeholders.sql creates
    -- the table empty): only then is "no fault on its path" a measurement
    select exists (select 1 from stg.alarm_events) as alarms_loaded
),
days as (   -- the days the services are followed (core.service_dates)
    select date from core.service_dates where date in (select date from _scope)
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
network_one as (
    -- a service-day carried by one access resource (every fixed line, many mobile days):
    -- `network_many` over its one row, with no aggregate (most of this model's time was that
    -- GROUP BY). A weighted mean over one row is that row's value; the sums keep its share
    -- (1: its volume over itself, or the one resource it lists). tests/pipelines/
    -- test_incremental.py holds the two ways equal
    select
        s.service_id, s.date,
        s.resource_id                                                     as access_resource_id,
        s.share * a.intervals_reported / 96.0                             as kpi_coverage,
        s.share * a.unavailable_minutes                                   as pm_unavailable_minutes,
        a.latency_ms, a.latency_ms_worst_hour, a.jitter_ms, a.packet_loss_pct,
        a.packet_loss_pct_worst_hour, a.throughput_mbps, a.throughput_mbps_worst_hour,
        a.utilisation_max_pct,
        s.share * a.access_attempts                                       as access_attempts,
        s.share * a.access_successes                                      as access_successes,
        s.share * a.drops                                                 as drops,
        s.share * a.intervals_reported                                    as latency_intervals
    from core.service_access_shares s
    left join core.access_daily a on a.resource_id = s.resource_id and a.date = s.date
    where s.date in (select date from _scope) and s.resources = 1
),
network_many as (
    -- share-weighted means over the access resources of a service-day on several; the worst
    -- hour of each is weighted the same way (a cell carrying a tenth of the traffic adds a
    -- tenth of its worst hour)
    select
        s.service_id, s.date,
        -- the largest share; ties (equal fallback shares) go to the largest resource id, the
        -- same way on every run and every engine
        arg_max(s.resource_id, (coalesce(s.share, 0), s.resource_id))      as access_resource_id,
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
    where s.date in (select date from _scope) and s.resources <> 1
    group by all
),
network as (
    select * from network_one
    union all
    select * from network_many
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
    -- no usage record that day: nothing used (0); a record without the column: not measured
    if(u.service_id is null, 0, u.data_volume_mb)       as data_volume_mb,
    if(u.service_id is null, 0, u.voice_minutes)        as voice_minutes,
    if(u.service_id is null, 0, u.sessions)             as sessions,
    if(u.service_id is null, 0, u.session_failures)     as session_failures,
    if(u.service_id is null, 0, u.video_stall_count)    as video_stall_count,
    if(u.service_id is null, 0, u.video_stall_seconds)  as video_stall_seconds,
    if((select alarms_loaded from feeds), least(coalesce(f.fault_minutes, 0), 1440.0), null)
                                                        as outage_minutes,
    coalesce(f.planned, false)                          as planned_outage,
    f.fault_resource_id,
    f.first_fault_at,
    -- capped at the day, never least(NULL, …): DuckDB's least() skips a NULL
    if(n.pm_unavailable_minutes > 1440.0, 1440.0, n.pm_unavailable_minutes)
                                                        as pm_unavailable_minutes,
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
