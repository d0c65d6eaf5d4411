-- incidents.incident_hours: for each incident in incidents.scope_incidents, what the incident
-- page's KPI chart draws, hour by hour over the whole of core.access_hourly, summed over its
-- access resources (incidents.incident_access; of_root false) and, when the root is an access
-- resource itself (a cell, a PON port), over the root alone (of_root true): the chart shows the
-- root's own then. The page reads one incident's rows for any window
-- (dashboards/sql/incident_kpis.sql) instead of joining a window of every access resource's
-- counters: 0.3 s of each page open at a million customers, most of it reading counters of
-- resources the incident does not touch. Kept per incident, like incident_access: a full
-- build recomputes every incident (and so every hour the PM counters gained), a live refresh
-- the incidents whose impact it recomputes (the counters do not move between runs).
--
-- Per row: sums and counts, so that the page can take any window's means and the gaps stay
-- gaps. A resource "reports" an hour when it has a row with intervals_reported > 0 (`own`):
--   rows                 resources with a row that hour (reported or not)
--   reported             resources that reported that hour
--   root_seen            whether the incident's root resource is among the rows
--   outage_minutes       Σ over the rows of min(60, unavailable minutes + 15 per interval not
--                        reported): minutes without service if the hour is inside an outage
--   unavailable_sum/_n   Σ and count of the reported unavailable minutes
--   sessions             Σ sessions over every row (the usual level's input; NULL: none)
--   reported_sessions    Σ sessions of the reporting resources (what the chart draws)
--   latency_sum/_n, loss_sum/_n   Σ and count of the reported means
--   utilisation_max_pct  the highest reported utilisation
--   throughput_weighted  Σ throughput × intervals reported; throughput_intervals: Σ intervals
--                        of the resources that reported a throughput
--   attempts, successes  Σ access attempts and successes reported
delete from incidents.incident_hours
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incident_hours
with scoped as (
    select a.incident_id, a.resource_id, false as of_root
    from incidents.incident_access a
    where a.incident_id in (select incident_id from incidents.scope_incidents)
    union all
    select i.incident_id, i.root_resource_id, true
    from incidents.incidents i
    where i.incident_id in (select incident_id from incidents.scope_incidents)
      and i.root_resource_id is not null
),
rows as (
    select s.incident_id, s.of_root, i.root_resource_id, h.*,
           h.intervals_reported > 0 as own
    from scoped s
    join incidents.incidents i using (incident_id)
    join core.access_hourly h on h.resource_id = s.resource_id
)
select incident_id, hour, of_root,
       count(*)                                                            as rows,
       count(*) filter (where own)                                         as reported,
       bool_or(resource_id = root_resource_id)                             as root_seen,
       sum(least(60.0, coalesce(unavailable_minutes, 0)
                       + (4 - intervals_reported) * 15.0))                 as outage_minutes,
       sum(unavailable_minutes) filter (where own)                         as unavailable_sum,
       count(unavailable_minutes) filter (where own)                       as unavailable_n,
       cast(sum(sessions) as double)                                       as sessions,
       cast(sum(sessions) filter (where own) as double)                    as reported_sessions,
       sum(latency_ms) filter (where own)                                  as latency_sum,
       count(latency_ms) filter (where own)                                as latency_n,
       sum(packet_loss_pct) filter (where own)                             as loss_sum,
       count(packet_loss_pct) filter (where own)                           as loss_n,
       max(utilisation_max_pct) filter (where own)                         as utilisation_max_pct,
       sum(throughput_mbps * intervals_reported) filter (where own)        as throughput_weighted,
       sum(intervals_reported) filter (where own and throughput_mbps is not null)
                                                                           as throughput_intervals,
       sum(access_attempts) filter (where own)                             as attempts,
       sum(access_successes) filter (where own)                            as successes
from rows
group by incident_id, hour, of_root;
