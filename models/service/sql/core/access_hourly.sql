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
with path as (   -- the measures summed along each access resource's path to the core
    select
        p.access_id, h.date, h.hour,
        sum(p.weight * h.latency_ms_sum / nullif(h.latency_n, 0))            as latency_ms,
        sum(p.weight * h.jitter_ms_sum / nullif(h.jitter_n, 0))              as jitter_ms,
        sum(p.weight * h.loss_pct_sum / nullif(h.loss_n, 0))                 as packet_loss_pct,
        max(h.utilisation_max_pct)                                           as utilisation_max_pct
    from core.access_paths p
    join core.resource_hourly h on h.resource_id = p.resource_id
    where h.date in (select date from _scope)
    group by all
)
select
    path.access_id                                                           as resource_id,
    path.date,
    path.hour,
    coalesce(own.intervals_reported, 0)                                      as intervals_reported,
    path.latency_ms,
    path.jitter_ms,
    -- capped at 100 %, and only when measured: DuckDB's least() skips a NULL, so
    -- least(NULL, 100) is 100 and an export without a loss counter would read as total loss
    case when path.packet_loss_pct > 100.0 then 100.0 else path.packet_loss_pct end
                                                                             as packet_loss_pct,
    own.throughput_mbps_sum / nullif(own.throughput_n, 0)                    as throughput_mbps,
    path.utilisation_max_pct,
    own.unavailable_minutes,
    cast(own.access_attempts as bigint)                                      as access_attempts,
    cast(own.access_successes as bigint)                                     as access_successes,
    cast(own.drops as bigint)                                                as drops,
    cast(own.sessions as bigint)                                             as sessions
from path
-- the access resource's own counters (depth 0 of its path)
left join core.resource_hourly own
  on own.resource_id = path.access_id and own.date = path.date and own.hour = path.hour
