-- The traffic each customer-facing service puts on each access resource (cell, PON port),
-- as known before $as_of: one row per CFS × access resource, from the traffic shares the marts
-- use (core.service_access_shares, on the last day before $as_of) times the service's mean
-- daily data volume over the seven days before $as_of (stg.usage). A campaign's extra load on
-- a resource is its takers' rows here times (uplift − 1) (models/whatif/campaign.py).
-- Parameters: $as_of (date: the first day not yet known).
with win as (
    select cast($as_of as date) as as_of, cast($as_of as date) - 7 as since
),
shares_day as (
    select max(s.date) as day from core.service_access_shares s, win where s.date < win.as_of
),
usage_days as (
    select greatest(count(distinct u.date), 1) as n
    from stg.usage u, win where u.date >= win.since and u.date < win.as_of
),
volume as (
    select u.service_id, sum(coalesce(u.data_volume_mb, 0)) as mb
    from stg.usage u, win
    where u.date >= win.since and u.date < win.as_of
    group by all
)
select s.service_id, c.customer_id, c.cfs_type, c.region as customer_region,
       s.resource_id, r.resource_type, coalesce(r.region, 'unknown') as region, s.share,
       coalesce(v.mb, 0) / d.n * s.share                         as mb_per_day,
       coalesce(c.monthly_price_eur, 0)                          as monthly_price_eur
from core.service_access_shares s
join shares_day sd on s.date = sd.day
join core.cfs c on c.service_id = s.service_id
join core.resources r on r.resource_id = s.resource_id
cross join usage_days d
left join volume v on v.service_id = s.service_id
where r.resource_type in ('cell', 'pon_port')
