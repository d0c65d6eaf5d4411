-- incidents.cell_intervals: one row per judged resource (cells, by default) per reported
-- interval: its scores (incidents.cell_scores, against its own baseline and its peers) and
-- the flags silent_incidents.sql builds runs from, with the thresholds of
-- incidents.detection_thresholds (derived from the history unless configured):
-- * `collapsed`: traffic has fallen to next to nothing while the resource says it is available
--   (a sleeping cell): a robust z-score of at most −silent_z below its usual level at that hour
--   of week, at most `silent_collapse_ratio` of that level, and at most `silent_peer_ratio` of
--   what its peers carry at that moment relative to their own usual level (a holiday is not a
--   sleeping cell). Hours whose usual traffic is below `silent_min_sessions` or below
--   `silent_min_level_share` of the resource's busiest hour are not judged.
-- * `surged`: traffic or utilisation a z-score of at least surge_z above its usual level, at
--   least `surge_ratio` times it and `surge_peer_factor` times its peers' own ratio, and at
--   least the usual level of its busiest hour (a doubling of night-time crumbs is no surge).
-- * `congested` / `degraded`: utilisation at or above congested_util_pct / degraded_util_pct.
-- * `alarmed`: an alarm explains whatever happens (see incidents.cell_scores).
create or replace table incidents.cell_intervals as
with p as (select * from incidents.detection_params),
t as (
    select max(value) filter (where name = 'silent_z')           as silent_z,
           max(value) filter (where name = 'surge_z')            as surge_z,
           max(value) filter (where name = 'congested_util_pct') as congested_util_pct,
           max(value) filter (where name = 'degraded_util_pct')  as degraded_util_pct
    from incidents.detection_thresholds
    where scope = 'network'
)
select
    s.*,
    -- whether the hour's traffic can be judged at all (at night a cell's usual level is too low
    -- to tell a collapse from the quiet): a sleeping cell's run goes on through hours that
    -- cannot be judged and ends at one that was judged normal
    coalesce(s.traffic is not null
        and s.usual_traffic >= p.silent_min_sessions
        and s.usual_traffic >= p.silent_min_level_share * s.peak_traffic, false)
                                                                           as traffic_judged,
    s.unavailable_s = 0 and s.traffic is not null
        and s.usual_traffic >= p.silent_min_sessions
        and s.usual_traffic >= p.silent_min_level_share * s.peak_traffic
        and s.z_traffic <= -t.silent_z
        and s.traffic_ratio <= p.silent_collapse_ratio
        and s.traffic_ratio <= p.silent_peer_ratio * coalesce(s.peer_traffic_ratio, 1)
                                                                           as collapsed,
    s.unavailable_s = 0 and (
        coalesce(s.z_traffic >= t.surge_z and s.traffic_ratio >= p.surge_ratio
            and s.traffic_ratio >= p.surge_peer_factor * coalesce(s.peer_traffic_ratio, 1)
            and s.traffic >= s.peak_traffic, false)
        or coalesce(s.z_util >= t.surge_z and s.util_ratio >= p.surge_ratio
            and s.util_ratio >= p.surge_peer_factor * coalesce(s.peer_util_ratio, 1)
            and s.utilisation_pct >= s.peak_util, false))                  as surged,
    s.unavailable_s = 0 and s.utilisation_pct >= t.congested_util_pct      as congested,
    s.unavailable_s = 0 and s.utilisation_pct >= t.degraded_util_pct       as degraded
from incidents.cell_scores s
cross join p
cross join t;

drop table incidents.cell_scores;
