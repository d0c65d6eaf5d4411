-- What drives churn risk among the customers at high risk, from the churn model's summary
-- (churn_drivers: per segment, and 'all', × risk band × feature): for the chosen $segments
-- (all segments when none), how many high-risk customers have each feature among their top
-- three reasons, and whether it is rooted in the network. Best first, at most 8.
select feature_label                                              as reason,
       bool_or(network)                                           as network,
       sum(customers_with_reason)                                 as customers
from churn_drivers
where risk_band = 'high'
  and case when len($segments::varchar[]) = 0 then segment = 'all'
           else list_contains($segments::varchar[], segment) end
group by feature_label
order by customers desc, reason
limit 8
