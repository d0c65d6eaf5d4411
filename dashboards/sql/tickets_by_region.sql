-- Tickets per region (a US state for a complaints export; NULL where the ticket names none) in
-- the period, the chosen $regions and $segments: how many, and how many about the network; the
-- $rows regions with most tickets.
select region,
       cast(sum(tickets) as bigint)                                        as tickets,
       cast(coalesce(sum(tickets) filter (where family = 'network'), 0) as bigint)
                                                                           as network_tickets
from ticket_daily
where date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by region
order by tickets desc, region nulls last
limit $rows
