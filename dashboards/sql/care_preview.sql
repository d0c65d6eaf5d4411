-- The head of one incident's proactive-care list ($incident_id, at most $rows customers), as
-- the screen shows it: business customers first, then by minutes lost; `customers` is the
-- length of the whole list. No contact details (those go only into the export). The service
-- types are gathered for the head only: lists over every customer of a big fault are costly.
with hurt as (
    select customer_id,
           any_value(segment)                                     as segment,
           max(impact_minutes)                                    as impact_minutes
    from incident_services
    where incident_id = $incident_id
    group by customer_id
),
head as (
    select *, count(*) over ()                                    as customers
    from hurt
    order by case segment when 'enterprise' then 0 when 'smb' then 1 else 2 end,
             impact_minutes desc, customer_id
    limit $rows
)
select h.customer_id, h.segment, list_sort(list(distinct s.cfs_type)) as cfs_types,
       round(h.impact_minutes, 1) as impact_minutes, h.customers
from head h
join incident_services s on s.customer_id = h.customer_id and s.incident_id = $incident_id
group by h.customer_id, h.segment, h.impact_minutes, h.customers
order by case h.segment when 'enterprise' then 0 when 'smb' then 1 else 2 end,
         h.impact_minutes desc, h.customer_id
