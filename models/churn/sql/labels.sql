-- churn/labels: one row per customer × snapshot date for every customer in service at the
-- snapshot: `churned` is true when one of their CFS ends within the $horizon days that start
-- at the snapshot (end_date is the first day without service, so a service ending on the
-- snapshot date itself counts: it was still in service the day before).
-- Parameters: $snapshots (date[]), $horizon (days).
with snapshots as (
    select unnest($snapshots::date[]) as snapshot_date
)
select
    s.snapshot_date,
    c.customer_id,
    bool_or(c.end_date is not null and c.end_date < s.snapshot_date + $horizon::integer)
                                                                          as churned,
    min(c.end_date) filter (where c.end_date < s.snapshot_date + $horizon::integer)
                                                                          as first_end_date
from snapshots s
join core.cfs c
  on coalesce(c.start_date, s.snapshot_date - 1) < s.snapshot_date
 and (c.end_date is null or c.end_date >= s.snapshot_date)
where c.customer_id is not null
group by all
order by s.snapshot_date, c.customer_id
