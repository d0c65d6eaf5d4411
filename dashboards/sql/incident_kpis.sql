-- Network KPIs around one incident ($incident_id, hours $from_hour … $to_hour), per hour, or per
-- day when $bucket is 'day' (a long incident: its whole span, which hourly would crowd): those
-- of its root resource ($root_resource_id) when it is an access resource (a PON port, a
-- cell), else the mean over the access resources that carried its affected services
-- (incident_access: an OLT's ports, a site's cells, …). `resources` says how many were
-- averaged, `root_measured` whether they are the root itself. `usual_sessions` is what those
-- resources usually carry together at that hour: the median of their summed sessions at the
-- same hour of the week over the hours outside the incident ($started_at … $ends), or at the
-- same hour of the day with fewer than 3 such weeks; NULL with fewer than 3 such days (a
-- degradation that lasts the whole data has no usual level). Summed first, then the median:
-- the sessions hour by hour are summed by the incident build (incident_sessions: a DNS outage
-- is behind every cell and port, 4,400 of them at scale 1; the root's own, `of_root`, are
-- every hour of one resource, which the snapshot keeps in day order).
-- Honest gaps: every hour of the window is a row (a spine), and an hour in which a resource
-- itself reported nothing (`intervals_reported` 0, or no row) gives NULL for its measures, not
-- the upstream hops' latency and loss alone (which would make an outage look better than
-- normal). Minutes without service have no gap inside an outage ($outage, $started_at …
-- $ends): an interval the access resource did not report there counts as 15 minutes without
-- service. Per day: minutes without service summed, utilisation its maximum, the rest the
-- mean of the hours measured.
-- A counter the export does not carry stays NULL (not measured).
with root as (
    select resource_id
    from access_hourly
    where resource_id = $root_resource_id
      and date between cast($from_hour as date) and cast($to_hour as date)
    limit 1
),
behind as (
    select resource_id
    from incident_access
    where incident_id = $incident_id and not exists (select 1 from root)
),
resources as (
    select resource_id from root
    union
    select resource_id from behind
),
totals as (     -- the resources' sessions together, hour by hour, over the whole snapshot
    select hour, sessions
    from incident_sessions
    where incident_id = $incident_id and of_root = exists (select 1 from root)
),
history as (    -- those hours outside the incident: what the resources usually carry
    select isodow(hour) as dow, hour(hour) as hod, sessions
    from totals
    where not (hour >= date_trunc('hour', $started_at) and hour < $ends)
),
by_week as (
    select dow, hod, median(sessions) as usual, count(*) as weeks
    from history
    group by dow, hod
),
by_day as (
    select hod, median(sessions) as usual, count(*) as days
    from history
    group by hod
),
usual as (
    select t.hour,
           case when w.weeks >= 3 then w.usual when d.days >= 3 then d.usual end as usual_sessions
    from totals t
    left join by_week w on w.dow = isodow(t.hour) and w.hod = hour(t.hour)
    left join by_day d on d.hod = hour(t.hour)
    where t.hour between $from_hour and $to_hour
),
shown as (
    select h.*, h.intervals_reported > 0 as own,
           $outage and h.hour >= date_trunc('hour', $started_at) and h.hour < $ends as down
    from access_hourly h
    join resources r using (resource_id)
    where h.date between cast($from_hour as date) and cast($to_hour as date)
      and h.hour between $from_hour and $to_hour
),
spine as (
    select hour, $outage and hour >= date_trunc('hour', $started_at) and hour < $ends as down
    from generate_series(date_trunc('hour', $from_hour), $to_hour, interval 1 hour) t(hour)
),
n as (select count(*) as resources from resources),
hourly as (
    select s.hour, s.down,
           count(distinct h.resource_id) filter (where h.own)                as resources,
           bool_or(h.resource_id = $root_resource_id)                        as root_measured,
           -- (least() skips a NULL: only rows that exist, else least(60, NULL) would be 60)
           case when s.down then (coalesce(sum(least(60.0, coalesce(h.unavailable_minutes, 0)
                                               + (4 - h.intervals_reported) * 15.0))
                                           filter (where h.resource_id is not null), 0)
                                  + (any_value(n.resources) - count(h.resource_id)) * 60.0)
                                 / nullif(any_value(n.resources), 0)
                else avg(h.unavailable_minutes) filter (where h.own) end    as unavailable_minutes,
           cast(sum(h.sessions) filter (where h.own) as double)              as sessions,
           avg(h.latency_ms) filter (where h.own)                            as latency_ms,
           avg(h.packet_loss_pct) filter (where h.own)                       as packet_loss_pct,
           max(h.utilisation_max_pct) filter (where h.own)                   as utilisation_max_pct,
           sum(h.throughput_mbps * h.intervals_reported) filter (where h.own)
               / nullif(sum(h.intervals_reported)
                        filter (where h.own and h.throughput_mbps is not null), 0)
                                                                             as throughput_mbps,
           sum(h.access_attempts) filter (where h.own)                       as attempts,
           sum(h.access_successes) filter (where h.own)                      as successes
    from spine s
    cross join n
    left join shown h on h.hour = s.hour
    group by s.hour, s.down
)
select date_trunc($bucket, h.hour)                                           as hour,
       $bucket                                                               as resolution,
       max(h.resources)                                                      as resources,
       coalesce(bool_or(h.root_measured), false)                             as root_measured,
       case when $bucket = 'hour' then max(h.unavailable_minutes)
            else sum(h.unavailable_minutes) end                              as unavailable_minutes,
       avg(h.sessions)                                                       as sessions,
       cast(avg(u.usual_sessions) as double)                                 as usual_sessions,
       avg(h.latency_ms)                                                     as latency_ms,
       avg(h.packet_loss_pct)                                                as packet_loss_pct,
       max(h.utilisation_max_pct)                                            as utilisation_max_pct,
       avg(h.throughput_mbps)                                                as throughput_mbps,
       cast(100.0 * (sum(h.attempts) - sum(h.successes))
            / nullif(sum(h.attempts), 0) as double)                          as failed_setup_pct
from hourly h
left join usual u using (hour)
group by 1
order by 1
