-- Tickets per category (with its family) in the period, the chosen $regions and $segments, the
-- commonest first: how many were opened and how many are still open.
select family, category,
       cast(sum(tickets) as bigint)                                        as tickets,
       cast(sum(open_tickets) as bigint)                                   as open_tickets
from ticket_daily
where date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by family, category
order by tickets desc, family, category
