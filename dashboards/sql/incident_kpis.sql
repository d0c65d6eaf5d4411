-- Network KPIs around one incident ($incident_id, hours $from_hour … $to_hour), per hour, or per
-- day when $bucket is 'day' (a long incident: its whole span, which hourly would crowd): those
-- of its root resource when it is an access resource (a PON port, a
-- cell) that reported on the days shown, else the mean over the access resources that carried
-- its affected services (incident_access: an OLT's ports, a site's cells, …). `resources` says
-- how many reported, `root_measured` whether they are the root itself. Read from the
-- incident's own rows (incident_hours: the incident build sums every counter over those
-- resources hour by hour, models/incidents/sql/incident_hours.sql), not from the counters of
-- every resource: a DNS outage is behind every cell and port, 44,000 at a million customers.
-- `usual_sessions` is what those resources usually carry together at that hour: the median of
-- their summed sessions at the same hour of the week over the hours outside the incident
-- ($started_at … $ends), or at the same hour of the day with fewer than 3 such weeks; NULL with
-- fewer than 3 such days (a degradation that lasts the whole data has no usual level).
-- Honest gaps: every hour of the window is a row (a spine), and an hour in which the resources
-- reported nothing (`intervals_reported` 0, or no row) gives NULL for its measures, not the
-- upstream hops' latency and loss alone (which would make an outage look better than normal).
-- Minutes without service have no gap inside an outage ($outage, $started_at … $ends): an
-- interval an access resource did not report there counts as 15 minutes without service, a
-- resource with no row as the whole hour. Per day: minutes without service summed,
-- utilisation its maximum, the rest the mean of the hours measured.
-- A counter the export does not carry stays NULL (not measured).
with root as (      -- the root's own rows, when it reported on the days shown
    select 1
    from incident_hours
    where incident_id = $incident_id and of_root
      and cast(hour as date) between cast($from_hour as date) and cast($to_hour as date)
    limit 1
),
chosen as (
    select *
    from incident_hours
    where incident_id = $incident_id and of_root = exists (select 1 from root)
),
n as (
    select case when exists (select 1 from root) then 1
                else (select count(*) from incident_access where incident_id = $incident_id)
           end as resources
),
totals as (     -- the resources' sessions together, hour by hour, over the whole snapshot
    select hour, sessions
    from chosen
    where sessions is not null
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
spine as (
    select hour, $outage and hour >= date_trunc('hour', $started_at) and hour < $ends as down
    from generate_series(date_trunc('hour', $from_hour), $to_hour, interval 1 hour) t(hour)
),
hourly as (
    select s.hour, s.down,
           coalesce(c.reported, 0)                                           as resources,
           c.root_seen                                                       as root_measured,
           case when s.down then (coalesce(c.outage_minutes, 0)
                                  + (n.resources - coalesce(c.rows, 0)) * 60.0)
                                 / nullif(n.resources, 0)
                else c.unavailable_sum / nullif(c.unavailable_n, 0) end     as unavailable_minutes,
           c.reported_sessions                                               as sessions,
           c.latency_sum / nullif(c.latency_n, 0)                            as latency_ms,
           c.loss_sum / nullif(c.loss_n, 0)                                  as packet_loss_pct,
           c.utilisation_max_pct,
           c.throughput_weighted / nullif(c.throughput_intervals, 0)         as throughput_mbps,
           c.attempts,
           c.successes
    from spine s
    cross join n
    left join chosen c on c.hour = s.hour
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
