-- incidents.resource_history: one row per resource of a type the silent-degradation detector
-- judges (`silent_resource_types`, default cells): how much PM history it has (intervals, days
-- with reports, first and last interval, its reporting period: the median gap between reports,
-- 15 minutes or an hour or whatever the export gives) and whether it can be judged at all: a
-- resource needs reports on `baseline_min_days` days. `status` says why one is not judged.
create or replace table incidents.resource_history as
with p as (select * from incidents.detection_params),
judged_types as (
    select trim(unnest(string_split(silent_resource_types, ','))) as resource_type from p
),
resources as (
    select r.resource_id, r.resource_type, r.region
    from core.resources r
    join judged_types t on t.resource_type = r.resource_type
),
reports as (
    select k.resource_id, k.interval_start,
           date_diff('minute', lag(k.interval_start) over (
               partition by k.resource_id order by k.interval_start), k.interval_start) as gap
    from stg.kpi_15min k
    join resources r on r.resource_id = k.resource_id
),
summary as (
    select resource_id, count(*) as intervals,
           count(distinct cast(interval_start as date)) as days,
           min(interval_start) as first_at, max(interval_start) as last_at,
           quantile_disc(gap, 0.5) filter (where gap > 0) as period_minutes
    from reports
    group by resource_id
),
final as (
    select r.resource_id, r.resource_type, r.region,
           coalesce(s.intervals, 0) as intervals, coalesce(s.days, 0) as days,
           s.first_at, s.last_at, coalesce(s.period_minutes, 15) as period_minutes,
           coalesce(s.days, 0) >= p.baseline_min_days as judged,
           case when s.intervals is null then 'no PM counters reported: not judged'
                when s.days < p.baseline_min_days
                    then 'too little history: reports on ' || s.days || ' day(s), needs '
                         || p.baseline_min_days || ': not judged'
                else 'judged' end as status
    from resources r
    left join summary s on s.resource_id = r.resource_id
    cross join p
)
select * from final;
