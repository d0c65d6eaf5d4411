-- The measured experience drop, when marts.service_experience_daily exists: for each incident in
-- incidents.scope_incidents, the mean over its affected services of (their mean SEI over the
-- seven days before the incident's first day on them − their mean SEI on the days it hurt
-- them). Positive = experience got worse. Services without both figures are left out.
update incidents.incident_impact t
set experience_drop = x.drop
from (
    select s.incident_id, avg(b.sei - d.sei) as drop
    from incidents.incident_services s
    join (select s2.incident_id, s2.service_id, avg(e.sei) as sei
          from incidents.incident_services s2
          join marts.service_experience_daily e
            on e.service_id = s2.service_id
           and e.date between cast(s2.first_at as date) and cast(s2.last_at as date)
          where s2.incident_id in (select incident_id from incidents.scope_incidents)
          group by all) d
      on d.incident_id = s.incident_id and d.service_id = s.service_id
    join (select s3.incident_id, s3.service_id, avg(e.sei) as sei
          from incidents.incident_services s3
          join marts.service_experience_daily e
            on e.service_id = s3.service_id
           and e.date >= cast(s3.first_at as date) - 7 and e.date < cast(s3.first_at as date)
          where s3.incident_id in (select incident_id from incidents.scope_incidents)
          group by all) b
      on b.incident_id = s.incident_id and b.service_id = s.service_id
    where s.incident_id in (select incident_id from incidents.scope_incidents)
    group by s.incident_id
) x
where t.incident_id = x.incident_id;
