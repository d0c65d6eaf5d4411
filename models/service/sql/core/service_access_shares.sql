-- model: core.service_access_shares
-- kind: partitioned
-- grain: service_id, date, resource_id
-- not_null: service_id, date, resource_id
-- inputs: core.cfs, core.cfs_access, core.service_dates, stg.usage
-- feeds: services, catalog, kpis|usage
-- core.service_access_shares: one row per CFS × access resource × day the service is in
-- service (of core.service_dates): the share of its traffic that access resource carries. A
-- fixed line has its PON port (share 1). A mobile subscription's share of a cell is that
-- cell's share of its traffic over the seven days before (its usual cells; a day's own usage
-- would hide a cell that was down all day), else that day's own usage, else equal shares of
-- the cells its radio access lists (all an operator without usage records has). So day d
-- depends on usage of days d−7 … d: new usage for a day touches that day and the seven after
-- it (see pipelines/platform/transform.py). `resources`: how many access resources carry the
-- service that day (its rows that day; marts.service_daily needs no aggregate for the many
-- service-days with one).
-- Partitioned by `date`.
with days as (   -- the days the services are followed (core.service_dates)
    select date from core.service_dates where date in (select date from _scope)
),
service_days as (
    select c.service_id, d.date
    from core.cfs c
    join days d
      on d.date >= coalesce(c.start_date, d.date)
     and (c.end_date is null or d.date < c.end_date)
),
listed as (
    select service_id, resource_id, resource_type,
           1.0 / count(*) over (partition by service_id, resource_type) as equal_share,
           count(*) over (partition by service_id)                      as resources
    from core.cfs_access
),
cell_days as (   -- volume per service × cell × day, from a week before the scope onwards
    select service_id, cell_id, date,
           sum(coalesce(data_volume_mb, 0) + coalesce(voice_minutes, 0)) as volume
    from stg.usage
    where cell_id is not null
      and date >= (select min(date) from _scope) - 7
      and date <= (select max(date) from _scope)
    group by all
),
week_before as (   -- each day's volume counts towards the seven days after it
    select w.service_id, w.date, w.cell_id, w.volume
    from (
        select c.service_id, c.cell_id, cast(c.date + cast(k.ahead as integer) as date) as date,
               sum(c.volume) as volume
        from cell_days c
        cross join (values (1), (2), (3), (4), (5), (6), (7)) k(ahead)
        -- only the days in scope are kept (the semi join below): dropping the others before
        -- summing halves the rows summed and the groups held for a week's batch at scale 10
        where cast(c.date + cast(k.ahead as integer) as date)
              between (select min(date) from _scope) and (select max(date) from _scope)
        group by all
    ) w
    semi join service_days sd on sd.service_id = w.service_id and sd.date = w.date
),
same_day as (   -- a service-day without usage in the week before goes by its own day's
    select c.service_id, c.date, c.cell_id, c.volume
    from cell_days c
    -- the few usage rows of such days first (an inner join of every service-day to the usage
    -- came first, and most of its rows were dropped), then those of service-days in service
    anti join (select distinct service_id, date from week_before where volume > 0) w
      on w.service_id = c.service_id and w.date = c.date
    semi join service_days sd on sd.service_id = c.service_id and sd.date = c.date
    where c.date between (select min(date) from _scope) and (select max(date) from _scope)
),
measured as (
    select service_id, date, cell_id as resource_id,
           volume / nullif(sum(volume) over (partition by service_id, date), 0) as share,
           count(*) filter (where volume > 0) over (partition by service_id, date) as resources
    from (select * from week_before union all select * from same_day)
),
fallback as (   -- fixed access, and mobile service-days with no usage to go by
    select sd.service_id, sd.date, l.resource_id, l.equal_share as share, l.resources
    from service_days sd
    join listed l on l.service_id = sd.service_id
    anti join (select distinct service_id, date from measured where share > 0) m
      on m.service_id = sd.service_id and m.date = sd.date
)
select service_id, date, resource_id, share, resources from measured where share > 0
union all
select service_id, date, resource_id, share, resources from fallback
