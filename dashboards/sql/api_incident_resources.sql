-- The access resources each incident hurt (one row per incident × resource): the TMF656
-- affectedResource of a ServiceProblem.
select incident_id, resource_id from incident_access order by incident_id, resource_id
