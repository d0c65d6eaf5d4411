-- incidents.cell_scores (an intermediate table; silent_cells.sql adds the flags and replaces it
-- with incidents.cell_intervals): one row per judged resource per reported interval, scored
-- against its own baseline at that hour of week (incidents.resource_baselines) and its peers:
-- * traffic (sessions, else access attempts) and utilisation: the usual level, a robust
--   z-score of log(1 + value) (MAD × 1.4826, at least `baseline_mad_floor`) and the ratio
--   (1 + value) / (1 + usual); the busiest hour's usual level (`peak_*`);
-- * the median of those ratios over the resources of the same region and type reporting at
--   that moment (NULL with fewer than two: nobody to compare with), so that a region-wide dip
--   or rush is not one resource's fault;
-- * `alarmed`: an alarm-based incident has the resource, or something it depends on without
--   protection, down or degraded then: whatever happens there is explained.
create or replace table incidents.cell_scores as
with p as (select * from incidents.detection_params),
kpis as (
    select k.resource_id, h.resource_type, h.region, h.period_minutes, k.interval_start,
           (isodow(k.interval_start) - 1) * 24 + hour(k.interval_start) as hour_of_week,
           k.sessions, k.access_attempts, k.access_successes,
           coalesce(k.sessions, k.access_attempts) as traffic, k.utilisation_pct,
           coalesce(k.unavailable_s, 0) as unavailable_s
    from stg.kpi_15min k
    join incidents.resource_history h on h.resource_id = k.resource_id and h.judged
),
peaks as (
    select resource_id, metric, max(usual_log) as peak_log
    from incidents.resource_baselines group by all
),
scored as (
    select k.*, bt.basis,
           exp(bt.usual_log) - 1                                               as usual_traffic,
           exp(pt.peak_log) - 1                                                as peak_traffic,
           (ln(1 + k.traffic) - bt.usual_log)
               / greatest(1.4826 * bt.mad_log, p.baseline_mad_floor)           as z_traffic,
           (1 + k.traffic) / exp(bt.usual_log)                                 as traffic_ratio,
           exp(bu.usual_log) - 1                                               as usual_util,
           exp(pu.peak_log) - 1                                                as peak_util,
           (ln(1 + k.utilisation_pct) - bu.usual_log)
               / greatest(1.4826 * bu.mad_log, p.baseline_mad_floor)           as z_util,
           (1 + k.utilisation_pct) / exp(bu.usual_log)                         as util_ratio
    from kpis k
    cross join p
    left join incidents.resource_baselines bt on bt.resource_id = k.resource_id
        and bt.metric = 'traffic' and bt.hour_of_week = k.hour_of_week
    left join peaks pt on pt.resource_id = k.resource_id and pt.metric = 'traffic'
    left join incidents.resource_baselines bu on bu.resource_id = k.resource_id
        and bu.metric = 'utilisation' and bu.hour_of_week = k.hour_of_week
    left join peaks pu on pu.resource_id = k.resource_id and pu.metric = 'utilisation'
),
peers as (
    select region, resource_type, interval_start,
           case when count(traffic_ratio) >= 2 then median(traffic_ratio) end  as peer_traffic_ratio,
           case when count(util_ratio) >= 2 then median(util_ratio) end        as peer_util_ratio
    from scored
    where unavailable_s = 0
    group by all
),
alarmed as (
    select distinct ra.resource_id, w.starts, w.ends
    from incidents.incident_windows w
    join incidents.incidents i on i.incident_id = w.incident_id and i.source = 'alarm'
    join core.resource_ancestors ra on ra.ancestor_id = w.resource_id and not ra.protected
    join incidents.resource_history h on h.resource_id = ra.resource_id and h.judged
)
select
    s.*, pr.peer_traffic_ratio, pr.peer_util_ratio,
    exists (select 1 from alarmed a
            where a.resource_id = s.resource_id
              and a.starts < s.interval_start + to_minutes(cast(s.period_minutes as bigint))
              and a.ends > s.interval_start)                                   as alarmed
from scored s
left join peers pr on pr.region is not distinct from s.region
    and pr.resource_type = s.resource_type and pr.interval_start = s.interval_start;
