-- incidents.episode_links: one row per pair of episodes that topology and time say belong to
-- the same fault, for every pair with an episode in incidents.scope_episodes. Relations:
--   below          the upper episode's resource is an ancestor of the lower one's (any depth,
--                  protected or not: a failed uplink of a 1+1 pair still makes its OLT alarm)
--   same_resource  two problems on one resource
--   sibling        the same probable cause on resources with the same parent (a feeder cut
--                  taking several adjacent PON ports down)
--   pool           members of one redundant pool (an n-of-m or 1+1 RFS binding: the DNS pool)
-- Time: below an affecting episode, the lower one must start between `link_before_minutes`
-- before the upper one and `link_window_minutes` after it, and before the upper one ended
-- (symptoms follow their cause: a site's cells die when its batteries run out); the other
-- relations, and any pair with an alarm that is not service-affecting, must start within
-- `peer_window_minutes` of each other. `both_affecting` says both episodes are
-- service-affecting (or planned outages): only those links may join two alarms into one
-- incident; the others only attach a lone alarm to one.
delete from incidents.episode_links
where upper_id in (select episode_id from incidents.scope_episodes)
   or lower_id in (select episode_id from incidents.scope_episodes);

insert into incidents.episode_links
with p as (select * from incidents.params),
e as (
    select episode_id, fold_key, resource_id, probable_cause, started_at,
           coalesce(ended_at, (select as_of from p))              as ends,
           service_affecting or planned                           as affecting,
           episode_id in (select episode_id from incidents.scope_episodes) as in_scope
    from incidents.episodes
),
windows as (
    select to_minutes(cast(link_before_minutes as bigint))       as before,
           to_minutes(cast(link_window_minutes as bigint))       as after,
           to_minutes(cast(peer_window_minutes as bigint))       as peer
    from p
),
below as (
    select u.episode_id as upper_id, l.episode_id as lower_id, 'below' as relation,
           u.affecting and l.affecting as both_affecting
    from e l
    join core.resource_ancestors ra on ra.resource_id = l.resource_id and ra.depth >= 1
    join e u on u.resource_id = ra.ancestor_id
    cross join windows w
    where (u.in_scope or l.in_scope) and (u.affecting or l.affecting)
      and case when u.affecting and l.affecting
               then l.started_at >= u.started_at - w.before
                and l.started_at <= least(u.started_at + w.after, u.ends + interval 5 minute)
               else l.started_at between u.started_at - w.peer and u.started_at + w.peer
          end
),
resource_pairs as (   -- built once per full build (incidents/topology_lookups.sql)
    select a_id, b_id, relation from incidents.resource_pairs
),
peers as (
    select u.episode_id as upper_id, l.episode_id as lower_id, rp.relation,
           u.affecting and l.affecting as both_affecting
    from e u
    join resource_pairs rp on rp.a_id = u.resource_id
    join e l on l.resource_id = rp.b_id
    cross join windows w
    where (u.in_scope or l.in_scope) and (u.affecting or l.affecting)
      -- the time test inside a CASE, so that no engine takes it for the join condition
      and case when (u.started_at, u.episode_id) < (l.started_at, l.episode_id)
                and l.started_at <= u.started_at + w.peer then true else false end
      and case rp.relation when 'same_resource' then u.fold_key <> l.fold_key
                           when 'sibling' then u.probable_cause = l.probable_cause
                           else true end
)
select distinct * from below
union
select distinct * from peers;
