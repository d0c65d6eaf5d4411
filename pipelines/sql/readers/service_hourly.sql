-- One service's hours, computed on demand from a published snapshot (never materialised for
-- every service: see README, "What is materialised"): for each UTC hour from $start (a date)
-- to $end (a date, inclusive), the network KPIs it experienced (its access resources' path
-- KPIs, core.access_hourly, weighted by that day's traffic shares) and the minutes of that hour
-- a service-affecting fault was open on something it depends on.
with shares as (
    select date, resource_id, share
    from service_access_shares
    where service_id = $service_id and date between $start and $end
),
network as (
    select
        h.hour,
        arg_max(s.resource_id, s.share * 1e6 + hash(s.resource_id) % 997 / 997.0) as access_resource_id,
        sum(s.share * h.intervals_reported) / 4.0                             as kpi_coverage,
        sum(s.share * h.latency_ms) / nullif(sum(s.share) filter (where h.latency_ms is not null), 0)
                                                                              as latency_ms,
        sum(s.share * h.jitter_ms) / nullif(sum(s.share) filter (where h.jitter_ms is not null), 0)
                                                                              as jitter_ms,
        sum(s.share * h.packet_loss_pct) / nullif(sum(s.share) filter (
            where h.packet_loss_pct is not null), 0)                          as packet_loss_pct,
        sum(s.share * h.throughput_mbps) / nullif(sum(s.share) filter (
            where h.throughput_mbps is not null), 0)                          as throughput_mbps,
        max(h.utilisation_max_pct)                                            as utilisation_max_pct,
        sum(s.share * h.unavailable_minutes)                                  as pm_unavailable_minutes,
        sum(s.share * h.access_attempts)                                      as access_attempts,
        sum(s.share * h.access_successes)                                     as access_successes,
        sum(s.share * h.drops)                                                as drops
    from shares s
    join access_hourly h on h.resource_id = s.resource_id and h.date = s.date
    group by h.hour
),
hours as (
    select unnest(generate_series(cast($start as timestamp),
                                  cast($end as timestamp) + interval 23 hour,
                                  interval 1 hour)) as hour
),
faults as (
    select h.hour,
           sum(date_diff('second', greatest(f.starts, h.hour),
                         least(f.ends, h.hour + interval 1 hour)) / 60.0) as fault_minutes,
           bool_or(f.planned) as planned
    from hours h
    join service_fault_intervals f
      on f.service_id = $service_id and f.date between $start and $end
     and f.starts < h.hour + interval 1 hour and f.ends > h.hour
    group by h.hour
)
select
    $service_id                                  as service_id,
    h.hour,
    n.access_resource_id,
    coalesce(n.kpi_coverage, 0)                  as kpi_coverage,
    n.latency_ms, n.jitter_ms, n.packet_loss_pct, n.throughput_mbps, n.utilisation_max_pct,
    n.pm_unavailable_minutes, n.access_attempts, n.access_successes, n.drops,
    coalesce(f.fault_minutes, 0)                 as fault_minutes,
    coalesce(f.planned, false)                   as planned_fault
from hours h
left join network n using (hour)
left join faults f using (hour)
where n.hour is not null or f.hour is not null
order by h.hour
