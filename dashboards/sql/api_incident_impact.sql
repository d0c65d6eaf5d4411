-- Every incident's impact figures (one row per incident), for the TMF656 impactPattern.
select * from incident_impact order by incident_id
