-- How long the tickets opened in the period (chosen $regions and $segments) took to resolve,
-- in bands, network tickets apart from the rest; only tickets that record a resolution time.
select case when hours_to_resolve < 4 then 1 when hours_to_resolve < 24 then 2
            when hours_to_resolve < 72 then 3 when hours_to_resolve < 168 then 4
            else 5 end                                                  as band,
       family = 'network'                                               as network,
       count(*)                                                         as tickets
from tickets
where hours_to_resolve is not null
  and cast(created_at as date) between $start and $end
  and (len($regions::varchar[]) = 0 or list_contains($regions::varchar[], region))
  and (len($segments::varchar[]) = 0 or list_contains($segments::varchar[], segment))
group by all
order by band, network
