-- TMF657 measured service quality: one row per SLA service over the period ($start … $end)
-- in the chosen $regions / $segments (all when none): its days and minutes in service and
-- its outage minutes, summed (availability is a ratio of these sums), the service using the
-- most of its allowance first.
select service_id, customer_id, cfs_type, segment, region, sla_tier, sla_availability_pct,
       count(*)                                                        as days,
       sum(minutes)                                                    as minutes,
       sum(outage_minutes)                                             as outage_minutes,
       sum(unplanned_outage_minutes)                                   as unplanned_outage_minutes
from sla_service_daily
where date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by service_id, customer_id, cfs_type, segment, region, sla_tier, sla_availability_pct
order by sum(unplanned_outage_minutes) / nullif((1 - sla_availability_pct / 100)
                                                 * sum(minutes), 0) desc nulls last,
         service_id
