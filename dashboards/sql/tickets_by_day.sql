-- Tickets opened per UTC day and family in the period, the chosen $regions and $segments.
select date, family, cast(sum(tickets) as bigint)                          as tickets
from ticket_daily
where date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by date, family
order by date, family
