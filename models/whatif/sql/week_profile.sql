-- whatif.access_week_profile: one row per access resource (PON port, cell) × UTC hour of the
-- week (0 = Monday 00:00): its usual active sessions per 15-minute interval then, over the
-- last 28 days of PM counters (core.resource_hourly; a ratio of sums, over the intervals that
-- reported a session count). Planned work's harm in an hour is these sessions × the minutes
-- the work takes from them (session-minutes): the least-harm window is the one that sums
-- least (models/whatif/planned.py). A resource that reports no sessions has no row.
create schema if not exists whatif;

create or replace table whatif.access_week_profile as
with access as (
    select distinct access_id as resource_id from core.access_paths where depth = 0
),
recent as (
    select h.*
    from core.resource_hourly h
    where h.resource_id in (select resource_id from access)
      and h.date > (select max(date) from core.resource_hourly) - 28
      and h.sessions is not null
)
select resource_id as access_id,
       cast((isodow(hour) - 1) * 24 + hour(hour) as integer) as hour_of_week,
       sum(sessions) / nullif(sum(intervals_reported), 0)   as sessions
from recent
group by all
order by access_id, hour_of_week;
