-- model: core.access_hourly
-- kind: partitioned
-- grain: resource_id, hour
-- not_null: resource_id, date, hour
-- inputs: core.access_paths, core.resource_hourly
-- feeds: kpis
-- core.access_hourly: one row per access resource (PON port, cell) per UTC hour: the KPIs a
-- subscriber behind it experiences end to end. Delay, jitter and loss add up along the path
-- (each hop's hourly mean × the share of traffic crossing it, core.access_paths); throughput,
-- availability and the session counters are the access resource's own; utilisation is the
-- busiest hop's. A hop that reported nothing that hour adds nothing (the mean is over what
-- was measured); `intervals_reported` (of 4) is the access resource's own completeness.
-- A counter no hop reported stays NULL ("not measured"): no COALESCE, least or greatest may
-- turn it into a value (the only COALESCE here is on a count).
-- Partitioned by `date`.
select
    p.access_id                                                              as resource_id,
    h.date,
    h.hour,
    coalesce(max(h.intervals_reported) filter (where p.depth = 0), 0)        as intervals_reported,
    sum(p.weight * h.latency_ms_sum / nullif(h.latency_n, 0))                as latency_ms,
    sum(p.weight * h.jitter_ms_sum / nullif(h.jitter_n, 0))                  as jitter_ms,
    -- capped at 100 %, and only when measured: DuckDB's least() skips a NULL, so
    -- least(NULL, 100) is 100 and an export without a loss counter would read as total loss
    case when sum(p.weight * h.loss_pct_sum / nullif(h.loss_n, 0)) > 100.0 then 100.0
         else sum(p.weight * h.loss_pct_sum / nullif(h.loss_n, 0)) end       as packet_loss_pct,
    max(h.throughput_mbps_sum / nullif(h.throughput_n, 0))
        filter (where p.depth = 0)                                           as throughput_mbps,
    max(h.utilisation_max_pct)                                               as utilisation_max_pct,
    max(h.unavailable_minutes) filter (where p.depth = 0)                    as unavailable_minutes,
    cast(max(h.access_attempts) filter (where p.depth = 0) as bigint)                        as access_attempts,
    cast(max(h.access_successes) filter (where p.depth = 0) as bigint)                       as access_successes,
    cast(max(h.drops) filter (where p.depth = 0) as bigint)                                  as drops,
    cast(max(h.sessions) filter (where p.depth = 0) as bigint)                               as sessions
from core.access_paths p
join core.resource_hourly h on h.resource_id = p.resource_id
where h.date in (select date from _scope)
group by all
