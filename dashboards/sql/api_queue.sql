-- Every incident's queue row (one row per incident): its priority score and its components,
-- for the TMF656 priority and impactPattern.
select * from queue order by incident_id
