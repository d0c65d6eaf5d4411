-- The tickets opened in the period ($start … $end), in the chosen $regions and $segments (when
-- any are chosen), as one row: how many, how many about the network, open, resolved, and the
-- time to resolve as whole minutes summed over the tickets that record it (mean = ratio of
-- sums).
select cast(coalesce(sum(tickets), 0) as bigint)                           as tickets,
       cast(coalesce(sum(tickets) filter (where family = 'network'), 0) as bigint)
                                                                           as network_tickets,
       cast(coalesce(sum(open_tickets), 0) as bigint)                      as open_tickets,
       cast(coalesce(sum(resolved_tickets), 0) as bigint)                  as resolved_tickets,
       cast(coalesce(sum(timed_tickets), 0) as bigint)                     as timed_tickets,
       cast(coalesce(sum(minutes_to_resolve_sum), 0) as bigint)           as minutes_to_resolve_sum,
       cast(coalesce(sum(resolved_within_24h), 0) as bigint)               as resolved_within_24h
from ticket_daily
where date between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
