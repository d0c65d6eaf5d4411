-- The proactive-care list of one incident ($incident_id): one row per affected customer, to be
-- told before they call: their affected services, the worst minutes any of them lost, when it
-- started and ended for them. Contact details only when $with_contacts (otherwise null).
-- Enterprise and SMB customers first, then by minutes lost.
select s.customer_id, s.segment, c.region,
       string_agg(s.service_id, ' ' order by s.service_id)       as services,
       string_agg(distinct s.cfs_type, ' ' order by s.cfs_type)  as cfs_types,
       round(max(s.impact_minutes), 1)                           as impact_minutes,
       min(s.first_at)                                           as first_at,
       max(s.last_at)                                            as last_at,
       case when $with_contacts then any_value(c.name) end       as name,
       case when $with_contacts then any_value(c.email) end      as email,
       case when $with_contacts then any_value(c.phone) end      as phone
from incidents.incident_services s
left join stg.customers c on c.customer_id = s.customer_id
where s.incident_id = $incident_id
group by s.customer_id, s.segment, c.region
order by case s.segment when 'enterprise' then 0 when 'smb' then 1 else 2 end,
         max(s.impact_minutes) desc, s.customer_id
