-- The proactive-care list of one incident ($incident_id): one row per affected customer, to be
-- told before they call: their affected services and service types (space-separated, in the
-- order stored: unordered aggregates keep a 100 k-customer list fast), the most minutes any of
-- them lost, when it started and ended for them. Contact details only when $with_contacts
-- (else null; the roles that may see them are in dashboards/roles.py). Enterprise and SMB
-- first, then by minutes lost.
with hurt as (
    select customer_id,
           any_value(segment)                                     as segment,
           string_agg(service_id, ' ')                            as services,
           string_agg(distinct cfs_type, ' ')                     as cfs_types,
           max(impact_minutes)                                    as impact_minutes,
           min(first_at)                                          as first_at,
           max(last_at)                                           as last_at
    from incident_services
    where incident_id = $incident_id
    group by customer_id
)
select h.customer_id, h.segment, c.region, h.services, h.cfs_types,
       round(h.impact_minutes, 1)                                 as impact_minutes,
       h.first_at, h.last_at,
       case when $with_contacts then c.name end                   as name,
       case when $with_contacts then c.email end                  as email,
       case when $with_contacts then c.phone end                  as phone
from hurt h
left join customers c using (customer_id)
order by case h.segment when 'enterprise' then 0 when 'smb' then 1 else 2 end,
         h.impact_minutes desc, h.customer_id
