-- The phrases most often found in the $family tickets opened in the period (chosen $regions and
-- $segments): the $rows shared by the most tickets, and only phrases at least $min_tickets
-- tickets share (a phrase of one or two tickets could be one person's words).
select phrase, cast(sum(tickets) as bigint)                                as tickets
from ticket_phrases
where family = $family
  and date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by phrase
having sum(tickets) >= $min_tickets
order by tickets desc, phrase
limit $rows
