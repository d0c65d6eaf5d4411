-- The access resources (cells, PON ports) one incident ($incident_id) hurt, from incident_access:
-- one row per resource, at most $rows, those that usually carry the most traffic first. For
-- each, while the incident lasted ($started_at … $ends): its mean active sessions per 15-minute
-- interval, its highest 15-minute utilisation and its minutes without service; and its usual
-- sessions, by the rule of the network impact (incidents/incident_network.sql): the 7 days
-- before the incident started, else all its hours (an incident from the start of the data).
-- A counter the export does not carry stays NULL. `resources`: how many it hurt in all.
with hurt as (
    select resource_id
    from incident_access
    where incident_id = $incident_id
),
hours as (
    select h.resource_id, h.hour, h.sessions, h.intervals_reported, h.utilisation_max_pct,
           h.unavailable_minutes,
           h.hour >= date_trunc('hour', $started_at) and h.hour < $ends   as during,
           h.hour >= $started_at - interval 7 day and h.hour < $started_at as week_before
    from access_hourly h
    join hurt using (resource_id)
),
per_resource as (
    select resource_id,
           sum(sessions) filter (where during)
               / nullif(sum(intervals_reported) filter (where during and sessions is not null),
                        0)                                                 as sessions_during,
           sum(sessions) filter (where week_before)
               / nullif(sum(intervals_reported)
                            filter (where week_before and sessions is not null), 0)
                                                                           as sessions_week,
           sum(sessions) / nullif(sum(intervals_reported) filter (where sessions is not null),
                                  0)                                       as sessions_all,
           max(utilisation_max_pct) filter (where during)                  as peak_utilisation_pct,
           sum(unavailable_minutes) filter (where during)                  as unavailable_minutes
    from hours
    group by resource_id
),
final as (
    select h.resource_id,
           cast(p.sessions_during as double)                               as sessions_during,
           cast(coalesce(p.sessions_week, p.sessions_all) as double)   as sessions_usual,
           p.peak_utilisation_pct, p.unavailable_minutes,
           count(*) over ()                                                as resources
    from hurt h
    left join per_resource p using (resource_id)
)
select *
from final
order by sessions_usual desc nulls last, resource_id
limit $rows
