-- TMF642 alarms: one row per alarm episode (one alarm from raise to clear, repeats folded),
-- newest first, with the incident it belongs to (the first by id when several), its role
-- there and that incident's root episode.
with member as (
    select episode_id, min(incident_id) as incident_id
    from incident_episodes
    group by episode_id
),
roots as (
    select incident_id, min(episode_id) as root_episode_id
    from incident_episodes
    where role = 'root'
    group by incident_id
)
select e.*, m.incident_id, ie.role, r.root_episode_id
from episodes e
left join member m on m.episode_id = e.episode_id
left join incident_episodes ie on ie.episode_id = e.episode_id and ie.incident_id = m.incident_id
left join roots r on r.incident_id = m.incident_id
order by e.started_at desc, e.episode_id
