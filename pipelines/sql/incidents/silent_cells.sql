-- incidents.cell_intervals: one row per cell per reported 15-minute interval, judged against the
-- cell's own history and its peers, for silent degradations no alarm reports:
-- * `collapsed`: traffic has fallen to next to nothing while the cell says it is available (a
--   sleeping cell): sessions a robust z-score of at most −`silent_z` below the cell's usual
--   level at that hour of day (median and MAD of log(1 + sessions) over the cell's history),
--   at most `silent_collapse_ratio` of that usual level, and at most `silent_peer_ratio` of
--   what the cells of the same region carry at that moment relative to their own usual level
--   (so a region-wide dip, a holiday, is not a sleeping cell). Cells that usually carry fewer
--   than `silent_min_sessions` sessions an interval at that hour are not judged.
-- * `congested` / `degraded`: utilisation at or above `congested_util_pct` / `degraded_util_pct`.
-- * `alarmed`: an alarm-based incident has the cell, or something it depends on without
--   protection, down or degraded then: the silence is explained, no silent incident there.
create or replace table incidents.cell_intervals as
with p as (select * from incidents.params),
cells as (
    select resource_id, region from stg.resources where resource_type = 'cell'
),
kpis as (
    select k.resource_id, c.region, k.interval_start, hour(k.interval_start) as hour_of_day,
           k.sessions, k.access_attempts, k.access_successes, k.utilisation_pct,
           coalesce(k.unavailable_s, 0) as unavailable_s,
           ln(1 + k.sessions) as log_sessions
    from stg.kpi_15min k
    join cells c on c.resource_id = k.resource_id
),
usual as (
    select resource_id, hour_of_day, median(log_sessions) as usual_log
    from kpis where unavailable_s = 0 and log_sessions is not null
    group by all
),
spread as (
    select k.resource_id, k.hour_of_day, u.usual_log,
           median(abs(k.log_sessions - u.usual_log)) as mad_log
    from kpis k
    join usual u using (resource_id, hour_of_day)
    where k.unavailable_s = 0 and k.log_sessions is not null
    group by all
),
scored as (
    select k.*, s.usual_log,
           exp(s.usual_log) - 1                                          as usual_sessions,
           (k.log_sessions - s.usual_log) / greatest(1.4826 * s.mad_log, 0.1) as z_sessions,
           (1 + k.sessions) / exp(s.usual_log)                           as ratio
    from kpis k
    join spread s using (resource_id, hour_of_day)
),
peers as (
    select region, interval_start, median(ratio) as peer_ratio
    from scored where unavailable_s = 0
    group by all
),
alarmed as (
    select distinct ra.resource_id, w.starts, w.ends
    from incidents.incident_windows w
    join incidents.incidents i on i.incident_id = w.incident_id and i.source = 'alarm'
    join core.resource_ancestors ra on ra.ancestor_id = w.resource_id and not ra.protected
    join cells c on c.resource_id = ra.resource_id
)
select
    s.resource_id, s.region, s.interval_start, s.sessions, s.usual_sessions, s.ratio,
    pr.peer_ratio, s.z_sessions, s.access_attempts, s.access_successes, s.utilisation_pct,
    s.unavailable_s,
    s.unavailable_s = 0 and s.sessions is not null
        and s.usual_sessions >= p.silent_min_sessions
        and s.z_sessions <= -p.silent_z
        and s.ratio <= p.silent_collapse_ratio
        and s.ratio <= p.silent_peer_ratio * pr.peer_ratio                 as collapsed,
    s.unavailable_s = 0 and s.utilisation_pct >= p.congested_util_pct      as congested,
    s.unavailable_s = 0 and s.utilisation_pct >= p.degraded_util_pct       as degraded,
    exists (select 1 from alarmed a
            where a.resource_id = s.resource_id
              and a.starts < s.interval_start + interval 15 minute
              and a.ends > s.interval_start)                               as alarmed
from scored s
left join peers pr on pr.region = s.region and pr.interval_start = s.interval_start
cross join p;
