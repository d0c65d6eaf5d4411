-- Every scored service-day with its index and whether the ground truth says it was degraded
-- (any minute out or degraded by a true incident or congestion).
with truth as (
    select service_id, date
    from read_parquet($service_day_impact)
    where outage_minutes + degraded_minutes > 0
)
select e.sei, t.service_id is not null as degraded
from marts.service_experience_daily e
left join truth t using (service_id, date)
where e.sei is not null
