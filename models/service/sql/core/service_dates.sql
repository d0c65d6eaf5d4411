-- model: core.service_dates
-- kind: partitioned
-- grain: date
-- not_null: date
-- inputs: core.resource_hourly, stg.usage
-- feeds: kpis|usage
-- core.service_dates: the UTC days on which the services are followed, day by day
-- (core.service_access_shares, marts.service_daily and what is built from them). With a usage
-- feed, the days it covers. An operator without usage records still has its PM counters: then
-- the days the counters cover for at least half the day (12 distinct hours, whatever the
-- export's interval), so that a vendor filing by local day, which also reports the last
-- hour(s) of the previous UTC day, does not make that day one of its own. `source`: which feed
-- gave the day (usage, counters).
-- Partitioned by `date`.
with usage_feed as (
    select exists (select 1 from stg.usage) as loaded
),
usage_days as (
    select distinct date from stg.usage where date in (select date from _scope)
),
counter_days as (
    select h.date
    from core.resource_hourly h
    cross join usage_feed f
    where not f.loaded and h.date in (select date from _scope)
    group by h.date
    having count(distinct h.hour) >= 12
)
select date, 'usage' as source from usage_days
union all
select date, 'counters' as source from counter_days
