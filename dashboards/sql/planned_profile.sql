-- The usual active sessions, per UTC hour of the week (0 = Monday 00:00), of the access
-- resources planned work on $resources takes traffic from (whatif.unit_access of its units, as
-- planned_services.sql finds them; whatif.access_week_profile): what the least-harm window
-- minimises.
with chosen as (
    select distinct unnest(cast($resources as varchar[])) as resource_id
),
pools_down as (
    select m.rfs_id
    from pool_members m
    join chosen c on c.resource_id = m.resource_id
    group by m.rfs_id, m.members, m.min_up
    having count(*) > m.members - m.min_up
),
unit_ids as (
    select 'R:' || resource_id as unit_id from chosen
    union
    select 'P:' || rfs_id from pools_down
),
touched as (
    select distinct access_id from unit_access where unit_id in (select unit_id from unit_ids)
)
select p.hour_of_week, sum(p.sessions) as sessions, count(distinct p.access_id) as resources,
       (select count(*) from touched) as access_resources
from access_week_profile p
where p.access_id in (select access_id from touched)
group by p.hour_of_week
order by p.hour_of_week
