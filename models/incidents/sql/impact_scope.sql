-- Which incidents in incidents.scope_incidents need their impact recomputed, and the impact of
-- the incidents a recorrelation retired removed. Run after the incidents and their windows are
-- written (incidents/alarm_incidents.sql), before incidents/incident_services.sql.
--
-- An incident's impact (incident_services, incident_network, impact_breakdown, incident_impact,
-- incident_access, incident_hours, care_list) is a function of the set of its windows (a window repeated by a
-- second alarm over the same stretch adds nothing: incidents/incident_services.sql and
-- incident_network.sql count it once), its start, end and impact end, the tunables
-- (incidents.params but `run_id` and `as_of`, which reach the impact only through the windows
-- and ends) and the core tables, which only `cxbridge run` changes, and it rebuilds every
-- incident (a full build). So an incident whose fingerprint of those is the one stored when its
-- impact was last computed (incidents.impact_fingerprints) keeps its impact rows: a new alarm
-- that adds no window (not service-affecting, attached, or over a stretch already counted) and
-- moves no end changes only its counts, which the incident row and the queue carry.

-- `generation`: the run of the full build every stored fingerprint descends from (a full build
-- recomputes every impact, from core tables that may have changed: the live overlay copies
-- rows by fingerprint only within one generation, cxbridge.platform.overlay)
create table if not exists incidents.impact_fingerprints (
    incident_id varchar, fingerprint varchar, generation varchar
);

-- the incidents the recorrelation replaced (temp table impact_replaced) and did not form again
-- leave no impact rows
create or replace temp table impact_retired as
select incident_id from impact_replaced
except
select incident_id from incidents.incidents;
delete from incidents.incident_services
where incident_id in (select incident_id from impact_retired);
delete from incidents.incident_network
where incident_id in (select incident_id from impact_retired);
delete from incidents.impact_breakdown
where incident_id in (select incident_id from impact_retired);
delete from incidents.incident_impact
where incident_id in (select incident_id from impact_retired);
delete from incidents.incident_access
where incident_id in (select incident_id from impact_retired);
delete from incidents.incident_hours
where incident_id in (select incident_id from impact_retired);
delete from incidents.care_list
where incident_id in (select incident_id from impact_retired);
delete from incidents.impact_fingerprints
where incident_id in (select incident_id from impact_retired);

create or replace temp table impact_fingerprints_now as
with tunables as (
    select md5(cast(p as varchar)) as digest
    from (select * exclude (run_id, as_of) from incidents.params) p
),
windows as (
    select incident_id,
           md5(string_agg(resource_id || '@' || cast(starts as varchar) || '/'
                          || cast(ends as varchar), ','
                          order by resource_id, starts, ends)) as digest
    from (select distinct incident_id, resource_id, starts, ends
          from incidents.incident_windows
          where incident_id in (select incident_id from incidents.scope_incidents)
            and ends > starts)
    group by incident_id
)
select i.incident_id,
       md5(concat_ws('|', (select digest from tunables),
                     coalesce(cast(i.started_at as varchar), '~'),
                     coalesce(cast(i.ended_at as varchar), '~'),
                     coalesce(cast(i.impact_end as varchar), '~'),
                     coalesce(w.digest, '~'))) as fingerprint
from incidents.incidents i
left join windows w on w.incident_id = i.incident_id
where i.incident_id in (select incident_id from incidents.scope_incidents);

-- unchanged since their impact was computed: out of scope
delete from incidents.scope_incidents
where incident_id in (select n.incident_id from impact_fingerprints_now n
                      join incidents.impact_fingerprints o on o.incident_id = n.incident_id
                      where o.fingerprint = n.fingerprint);

create or replace temp table impact_generation as
select coalesce((select any_value(generation) from incidents.impact_fingerprints),
                (select run_id from incidents.params)) as generation;
delete from incidents.impact_fingerprints
where incident_id in (select incident_id from incidents.scope_incidents);
insert into incidents.impact_fingerprints
select incident_id, fingerprint, (select generation from impact_generation)
from impact_fingerprints_now
where incident_id in (select incident_id from incidents.scope_incidents);

drop table impact_fingerprints_now;
drop table impact_generation;
drop table impact_retired;
drop table impact_replaced;
