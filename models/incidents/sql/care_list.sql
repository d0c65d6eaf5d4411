-- incidents.care_list: the proactive-care list of each incident in incidents.scope_incidents,
-- one row per affected customer, to be told before they call, in the order care should call
-- them (`position` 1 first): enterprise and SMB customers first, then by the most minutes any
-- of their services lost, then by id. Their affected services and service types
-- (space-separated, sorted), those minutes, when it started and ended for them. Built with the
-- incidents so that the list of a fault hurting 100 k customers is read, not aggregated, when
-- someone downloads it. No contact details: readers join those from the customers where the
-- role may see them (models/incidents/care.py, dashboards/exports.py).
delete from incidents.care_list
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.care_list
with hurt as (
    select s.incident_id, s.customer_id,
           any_value(s.segment)                                       as segment,
           any_value(c.region)                                        as region,
           string_agg(s.service_id, ' ' order by s.service_id)        as services,
           string_agg(distinct s.cfs_type, ' ' order by s.cfs_type)   as cfs_types,
           max(s.impact_minutes)                                      as impact_minutes,
           min(s.first_at)                                            as first_at,
           max(s.last_at)                                             as last_at
    from incidents.incident_services s
    left join stg.customers c on c.customer_id = s.customer_id
    where s.incident_id in (select incident_id from incidents.scope_incidents)
    group by s.incident_id, s.customer_id
)
select incident_id,
       row_number() over (partition by incident_id
                          order by case segment when 'enterprise' then 0 when 'smb' then 1
                                                else 2 end,
                                   impact_minutes desc, customer_id)  as position,
       customer_id, segment, region, services, cfs_types,
       round(impact_minutes, 1)                                       as impact_minutes,
       first_at, last_at
from hurt;
