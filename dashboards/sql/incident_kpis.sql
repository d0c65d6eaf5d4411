-- Hourly network KPIs around one incident ($incident_id, hours $from_hour … $to_hour): those
-- of its root resource ($root_resource_id) when it is an access resource (a PON port, a
-- cell), else the mean over the access resources that carried its affected services
-- (incident_access: an OLT's ports, a site's cells, …). `resources` says how many were
-- averaged, `root_measured` whether they are the root itself.
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
)
select h.hour,
       count(distinct h.resource_id)                         as resources,
       bool_or(h.resource_id = $root_resource_id)            as root_measured,
       avg(h.unavailable_minutes)                            as unavailable_minutes,
       sum(h.sessions)                                       as sessions,
       avg(h.latency_ms)                                     as latency_ms,
       avg(h.packet_loss_pct)                                as packet_loss_pct,
       max(h.utilisation_max_pct)                            as utilisation_max_pct
from access_hourly h
join resources r using (resource_id)
where h.date between cast($from_hour as date) and cast($to_hour as date)
  and h.hour between $from_hour and $to_hour
group by h.hour
order by h.hour
