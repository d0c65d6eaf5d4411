-- incidents.incident_network: one row per incident in incidents.scope_incidents × resource its
-- windows (incidents.incident_windows) hurt: the access resources (PON ports, cells) a window
-- reaches (its own resource when it is one, else every access resource below it without
-- protection, core.resource_ancestors: a 1+1 uplink failing alone reaches none); a window on a
-- resource that no access resource depends on at all (a BNG, a DNS resolver, an IMS core: they
-- serve subscribers through services, not through the paths) hurts that resource itself, with
-- its own usual traffic (a BNG's sessions). This is the impact on the
-- network, measured without knowing any customer, so that a network-only warehouse (topology
-- or a topology derived from the PM export, PM counters, alarms) still ranks its incidents:
-- * minutes: how long the access resource was behind an open window (overlaps count once);
-- * weight: its usual traffic, the mean active sessions per 15-minute interval over the 7 days
--   before the incident started (over all its data when it reported nothing that week, e.g.
--   an incident at the very start of the data). A resource that reports no sessions weighs as
--   the mean of its type's resources that do; when no resource of its type counts sessions,
--   its usual throughput over its type's mean (1 = a resource of average traffic); with
--   neither, 1. `weight_basis` says which;
-- * network_impact = minutes × weight: session-minutes lost or degraded (the customer-minutes
--   of a network that does not know its customers).
delete from incidents.incident_network
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incident_network
with w as (
    select w.incident_id, w.resource_id, w.starts, w.ends
    from incidents.incident_windows w
    where w.incident_id in (select incident_id from incidents.scope_incidents)
      and w.ends > w.starts
),
access as (
    select distinct access_id as resource_id from core.access_paths where depth = 0
),
behind as (
    select w.incident_id, ra.resource_id, w.starts, w.ends
    from w
    join core.resource_ancestors ra on ra.ancestor_id = w.resource_id and not ra.protected
    join access a on a.resource_id = ra.resource_id
    union all
    select w.incident_id, w.resource_id, w.starts, w.ends
    from w
    where not exists (select 1 from core.resource_ancestors ra
                      join access a on a.resource_id = ra.resource_id
                      where ra.ancestor_id = w.resource_id)
),
ordered as (   -- overlapping windows of one incident on one access resource count once
    select *, max(ends) over (partition by incident_id, resource_id order by starts, ends
                              rows between unbounded preceding and 1 preceding) as reach
    from behind
),
islands as (
    select *, sum(case when reach is null or starts > reach then 1 else 0 end)
                  over (partition by incident_id, resource_id order by starts, ends) as island
    from ordered
),
hurt as (
    select incident_id, resource_id,
           sum(seconds) / 60.0 as minutes, min(starts) as first_at, max(ends) as last_at
    from (select incident_id, resource_id, island, min(starts) as starts, max(ends) as ends,
                 date_diff('second', min(starts), max(ends)) as seconds
          from islands group by incident_id, resource_id, island)
    group by incident_id, resource_id
),
usual_all as (   -- every resource over all its data: the fallback (built once per full
                 -- build, incidents/topology_lookups.sql, with its type's mean)
    select resource_id, resource_type, sessions, throughput from incidents.usual_traffic
),
type_means as (
    select resource_type, sessions, throughput from incidents.usual_type_traffic
),
usual_before as (   -- the week before the incident started
    select u.incident_id, u.resource_id,
           sum(h.sessions) / nullif(sum(h.intervals_reported)
                                    filter (where h.sessions is not null), 0) as sessions,
           sum(h.throughput_mbps_sum) / nullif(sum(h.throughput_n), 0)        as throughput
    from hurt u
    join incidents.incidents i on i.incident_id = u.incident_id
    join core.resource_hourly h
      on h.resource_id = u.resource_id
     and h.date between cast(i.started_at - interval 7 day as date) and cast(i.started_at as date)
     and h.hour >= i.started_at - interval 7 day and h.hour < i.started_at
    group by u.incident_id, u.resource_id
),
usual as (
    select u.incident_id, u.resource_id, u.minutes, u.first_at, u.last_at, r.resource_type,
           case when b.sessions is not null or b.throughput is not null then b.sessions
                else a.sessions end                                          as sessions,
           case when b.sessions is not null or b.throughput is not null then b.throughput
                else a.throughput end                                        as throughput
    from hurt u
    join core.resources r on r.resource_id = u.resource_id
    left join usual_before b on b.incident_id = u.incident_id and b.resource_id = u.resource_id
    left join usual_all a on a.resource_id = u.resource_id
),
weighed as (
    select u.*,
           case when u.sessions is not null then u.sessions
                when t.sessions is not null then t.sessions
                when u.throughput is not null and t.throughput > 0
                    then u.throughput / t.throughput
                else 1.0 end                                                 as weight,
           case when u.sessions is not null then 'sessions'
                when t.sessions is not null then 'sessions of its type'
                when u.throughput is not null and t.throughput > 0 then 'throughput'
                else 'count' end                                             as weight_basis
    from usual u
    left join type_means t on t.resource_type = u.resource_type
)
select incident_id, resource_id, resource_type, minutes, first_at, last_at,
       sessions as usual_sessions, throughput as usual_throughput_mbps, weight, weight_basis,
       minutes * weight as network_impact
from weighed;
