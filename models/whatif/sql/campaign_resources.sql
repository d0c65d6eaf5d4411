-- Each access resource's (cell, PON port) busy-hour utilisation before $as_of: the highest
-- hourly mean of its 15-minute utilisation counter each day (as the congestion threshold is
-- derived, models/incidents/sql/silent_thresholds.sql), the median over the seven days before
-- $as_of (robust to a day of outage); with its type, region and capacity, and the daily data
-- volume the services on it carry (the sum of campaign_load.sql's rows for it, the base the
-- takers' extra volume is compared with).
-- Parameters: $as_of (date: the first day not yet known).
with win as (
    select cast($as_of as date) as as_of, cast($as_of as date) - 7 as since
),
access as (
    select resource_id, resource_type, coalesce(region, 'unknown') as region, capacity_mbps
    from core.resources where resource_type in ('cell', 'pon_port')
),
hourly as (
    select k.resource_id, cast(k.interval_start as date) as day,
           date_trunc('hour', k.interval_start) as hour, avg(k.utilisation_pct) as util
    from stg.kpi_15min k, win
    where k.interval_start >= win.since and k.interval_start < win.as_of
      and k.utilisation_pct is not null
      and k.resource_id in (select resource_id from access)
    group by all
),
daily as (
    select resource_id, day, max(util) as busy from hourly group by all
),
busy as (
    select resource_id, median(busy) as busy_util_pct, count(day) as days_measured
    from daily group by all
),
-- the services' daily volume per resource, as campaign_load.sql computes it
shares_day as (
    select max(s.date) as day from core.service_access_shares s, win where s.date < win.as_of
),
usage_days as (
    select greatest(count(distinct u.date), 1) as n
    from stg.usage u, win where u.date >= win.since and u.date < win.as_of
),
volume as (
    select s.resource_id, sum(coalesce(v.mb, 0) * s.share) / max(d.n) as volume_mb
    from core.service_access_shares s
    join shares_day sd on s.date = sd.day
    cross join usage_days d
    left join (select u.service_id, sum(coalesce(u.data_volume_mb, 0)) as mb
               from stg.usage u, win
               where u.date >= win.since and u.date < win.as_of group by all) v
      on v.service_id = s.service_id
    where s.service_id in (select service_id from core.cfs)
    group by all
)
select a.resource_id, a.resource_type, a.region, a.capacity_mbps, b.busy_util_pct,
       b.days_measured, coalesce(v.volume_mb, 0) as volume_mb
from access a
join busy b on b.resource_id = a.resource_id
left join volume v on v.resource_id = a.resource_id
