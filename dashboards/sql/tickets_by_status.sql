-- Tickets per status in the period, the chosen $regions and $segments: how many, how many
-- about the network, and the time to resolve of those that record it (whole minutes summed).
select status,
       cast(sum(tickets) as bigint)                                        as tickets,
       cast(coalesce(sum(tickets) filter (where family = 'network'), 0) as bigint)
                                                                           as network_tickets,
       cast(sum(timed_tickets) as bigint)                                  as timed_tickets,
       cast(sum(minutes_to_resolve_sum) as bigint)                         as minutes_to_resolve_sum
from ticket_daily
where date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by status
order by tickets desc, status
