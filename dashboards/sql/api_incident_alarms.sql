-- The alarm episodes of each incident (one row per incident × episode), root first, then by
-- when they started: the TMF656 underlyingAlarm of a ServiceProblem.
select ie.incident_id, ie.episode_id
from incident_episodes ie
join episodes e on e.episode_id = ie.episode_id
order by ie.incident_id, ie.role <> 'root', e.started_at, ie.episode_id
