-- Every incident's facts (one row per incident), for the TMF656 ServiceProblem payloads.
select * from incidents order by incident_id
