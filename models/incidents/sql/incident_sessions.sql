-- incidents.incident_sessions: for each incident in incidents.scope_incidents, the sessions its
-- access resources (incidents.incident_access) carried together, hour by hour, over the whole
-- of core.access_hourly, and (`of_root`) those its root resource carried itself when it is an
-- access resource (a cell, a PON port): the chart shows the root's own then, and reading them
-- at page open scanned every hour of every resource (1.5 s at scale 10). The incident page's KPI chart draws "usual sessions" from these (the
-- median at the same hour of the week outside the incident: dashboards/sql/incident_kpis.sql);
-- summing them at read time meant every hour of every cell and port behind a DNS or core
-- fault (4,400 of them at scale 1), about 150 ms of each page open. Kept per incident, like
-- incident_access: a full build recomputes every incident (and so every hour the PM counters
-- gained), a live refresh the incidents whose impact it recomputes (the counters do not move
-- between runs).
delete from incidents.incident_sessions
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incident_sessions
select a.incident_id, h.hour, sum(h.sessions) as sessions, false as of_root
from incidents.incident_access a
join core.access_hourly h using (resource_id)
where a.incident_id in (select incident_id from incidents.scope_incidents)
  and h.sessions is not null
group by a.incident_id, h.hour
union all
select i.incident_id, h.hour, sum(h.sessions), true
from incidents.incidents i
join core.access_hourly h on h.resource_id = i.root_resource_id
where i.incident_id in (select incident_id from incidents.scope_incidents)
  and h.sessions is not null
group by i.incident_id, h.hour;
