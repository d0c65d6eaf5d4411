-- marts.service_daily: one row per CFS per UTC day it was in service, with its usage and the
-- network KPIs of the access resources that carried it (fixed: its PON port; mobile: the cells
-- its traffic used that day, weighted by volume, else its usual cells equally).
create schema if not exists marts;

create or replace table marts.service_daily as
with days as (
    -- the days the usage feed covers: a vendor that files by local day also reports the last
    -- hour(s) of the previous UTC day, which must not become a day of its own
    select distinct date from stg.usage
),
service_days as (
    select c.service_id, c.customer_id, c.cfs_type, c.segment, c.region, d.date
    from core.cfs c
    join days d
      on d.date >= coalesce(c.start_date, d.date)
     and (c.end_date is null or d.date < c.end_date)
),
usage_day as (
    select
        service_id, date,
        sum(data_volume_mb)    as data_volume_mb,
        sum(voice_minutes)     as voice_minutes,
        sum(sessions)          as sessions,
        sum(session_failures)  as session_failures,
        sum(video_stall_count) as video_stall_count
    from stg.usage
    group by all
),
usage_weights as (
    select service_id, date, cell_id as resource_id,
           data_volume_mb / nullif(sum(data_volume_mb) over (partition by service_id, date), 0)
               as weight
    from stg.usage
    where cell_id is not null
),
default_weights as (
    select sd.service_id, sd.date, a.resource_id,
           1.0 / count(*) over (partition by sd.service_id, sd.date) as weight
    from service_days sd
    join core.cfs_access a on a.service_id = sd.service_id
    anti join (select distinct service_id, date from usage_weights where weight is not null) u
      on u.service_id = sd.service_id and u.date = sd.date
),
weights as (
    select * from usage_weights where weight is not null
    union all
    select * from default_weights
),
access_kpis as (
    select
        w.service_id, w.date,
        arg_max(w.resource_id, w.weight)                                     as access_resource_id,
        sum(w.weight * k.unavailable_minutes)                                as outage_minutes,
        sum(w.weight * k.latency_ms_sum) / nullif(sum(w.weight * k.latency_intervals), 0)
                                                                             as latency_ms,
        cast(round(sum(w.weight * k.latency_intervals)) as bigint)           as latency_intervals,
        sum(w.weight * k.throughput_mbps) / nullif(sum(w.weight) filter (
            where k.throughput_mbps is not null), 0)                          as throughput_mbps
    from weights w
    left join core.kpi_resource_daily k on k.resource_id = w.resource_id and k.date = w.date
    group by all
),
final as (
    select
        sd.date, sd.service_id, sd.customer_id, sd.cfs_type, sd.segment, sd.region,
        a.access_resource_id,
        coalesce(u.data_volume_mb, 0)                   as data_volume_mb,
        coalesce(u.voice_minutes, 0)                    as voice_minutes,
        coalesce(u.sessions, 0)                         as sessions,
        coalesce(u.session_failures, 0)                 as session_failures,
        coalesce(u.video_stall_count, 0)                as video_stall_count,
        least(coalesce(a.outage_minutes, 0), 1440.0)    as outage_minutes,
        a.latency_ms,
        coalesce(a.latency_intervals, 0)                as latency_intervals,
        a.throughput_mbps
    from service_days sd
    left join usage_day u on u.service_id = sd.service_id and u.date = sd.date
    left join access_kpis a on a.service_id = sd.service_id and a.date = sd.date
)
select * from final
order by date, service_id;
