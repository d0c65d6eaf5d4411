-- Hourly network KPIs around one incident ($incident_id, hours $from_hour … $to_hour): those
-- of its root resource ($root_resource_id) when it is an access resource (a PON port, a
-- cell), else the mean over the access resources that carried its affected services
-- (incident_access: an OLT's ports, a site's cells, …). `resources` says how many were
-- averaged, `root_measured` whether they are the root itself. `usual_sessions` is what those
-- resources usually carry together at that hour: the median of their summed sessions at the
-- same hour of the week over the hours outside the incident ($started_at … $ends), or at the
-- same hour of the day with fewer than 3 such weeks; NULL with fewer than 3 such days (a
-- degradation that lasts the whole data has no usual level). Summed first, then the median:
-- one pass over the resources' hours, not a median per resource (a DNS outage is behind every
-- cell and port: 4,400 of them at scale 1).
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
    select h.hour, sum(h.sessions) as sessions
    from access_hourly h
    join resources r using (resource_id)
    where h.sessions is not null
    group by h.hour
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
    select h.*
    from access_hourly h
    join resources r using (resource_id)
    where h.date between cast($from_hour as date) and cast($to_hour as date)
      and h.hour between $from_hour and $to_hour
)
select hour,
       count(distinct resource_id)                                       as resources,
       bool_or(resource_id = $root_resource_id)                          as root_measured,
       avg(unavailable_minutes)                                          as unavailable_minutes,
       cast(sum(sessions) as double)                                     as sessions,
       cast(any_value(u.usual_sessions) as double)                       as usual_sessions,
       avg(latency_ms)                                                   as latency_ms,
       avg(packet_loss_pct)                                              as packet_loss_pct,
       max(utilisation_max_pct)                                          as utilisation_max_pct,
       sum(throughput_mbps * intervals_reported)
           / nullif(sum(intervals_reported) filter (where throughput_mbps is not null), 0)
                                                                         as throughput_mbps,
       cast(100.0 * (sum(access_attempts) - sum(access_successes))
            / nullif(sum(access_attempts), 0) as double)                 as failed_setup_pct
from shown
left join usual u using (hour)
group by hour
order by hour
