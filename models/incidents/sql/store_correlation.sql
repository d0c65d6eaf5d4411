-- Store a correlation (the frame registered as `new_incident_episodes`: incident_id, episode_id,
-- role). On entry incidents.scope_incidents lists the incidents it replaces: everything derived
-- from them is retired, then the new incidents' episodes are stored and become the scope.
-- Their impact rows stay until incidents/impact_scope.sql: it removes those of the incidents
-- not formed again and keeps those of the incidents formed again unchanged.
delete from incidents.incidents
where incident_id in (select incident_id from incidents.scope_incidents) and source = 'alarm';
delete from incidents.incident_windows
where incident_id in (select incident_id from incidents.scope_incidents);
delete from incidents.incident_episodes
where incident_id in (select incident_id from incidents.scope_incidents)
   or episode_id in (select episode_id from incidents.scope_episodes);

insert into incidents.incident_episodes
select incident_id, episode_id, role from new_incident_episodes;

delete from incidents.scope_incidents;
insert into incidents.scope_incidents
select distinct incident_id from new_incident_episodes;
