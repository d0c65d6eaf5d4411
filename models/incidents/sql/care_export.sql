-- One incident's proactive-care list ($incident_id) as exported by `cxbridge incidents --care`,
-- in the order care should call (incidents.care_list, built with the incidents). Contact
-- details only when $with_contacts (otherwise null). `impact` says what the minutes were:
-- 'without service' (an outage) or 'degraded' (congestion, slow service: incidents.queue's
-- `effect`).
select l.customer_id, l.segment, l.region, l.services, l.cfs_types,
       case (select any_value(effect) from incidents.queue where incident_id = $incident_id)
           when 'degradation' then 'degraded' else 'without service' end as impact,
       l.impact_minutes, l.first_at, l.last_at,
       case when $with_contacts then c.name end                        as name,
       case when $with_contacts then c.email end                       as email,
       case when $with_contacts then c.phone end                       as phone
from incidents.care_list l
left join stg.customers c on c.customer_id = l.customer_id
where l.incident_id = $incident_id
order by l.position
