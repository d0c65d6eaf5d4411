-- Silent incidents, from incidents.cell_intervals, into incidents.incidents and
-- incidents.incident_windows (and incidents.scope_incidents, for the impact models). Durations
-- count in 15-minute units whatever the resource's reporting period (hourly rows: a run of one
-- row lasts an hour):
-- * sleeping_cell: a run of collapsed, unalarmed intervals on one resource, bridging up to
--   `silent_gap_intervals` units of judged normal intervals (traffic back to at least
--   `silent_recovery_ratio` of usual) and any number of intervals too quiet to judge (a cell
--   asleep for days is one incident, not one per evening), lasting at
--   least `silent_min_intervals` units. Open while the run reaches the last interval of data.
-- * surge: the same for surged intervals; its impact windows are only the intervals of the run
--   in which the resource was also degraded (load alone hurts nobody).
-- * chronic_congestion: a resource congested (utilisation ≥ congested_util_pct for at least
--   `congested_min_intervals` units) on at least `chronic_day_share` of the days it reported
--   (at least `chronic_min_days` days, each with at least half a day of reports): the busy hour
--   saturates day after day. Its congested minutes a day, on average, must stand out from the
--   resources of its region and type by a robust z-score of at least `chronic_peer_z` (the
--   peers' MAD floored at `chronic_mad_floor` units a day), so that a region where every cell
--   is busy is a capacity plan, not a list of faults. Its impact windows are the runs of
--   degraded intervals.
delete from incidents.incident_windows
where incident_id in (select incident_id from incidents.incidents where source = 'silent');
delete from incidents.incidents where source = 'silent';

create or replace temp table silent_runs as
with p as (select * from incidents.detection_params),
-- a collapse's run is broken only by intervals judged normal (traffic back to at least
-- `silent_recovery_ratio` of its usual level), not by night hours too quiet to judge nor by
-- hours clearly low that miss the z-score only because their counts are small
counted as (
    select *,
           sum(case when traffic_judged and traffic_ratio >= p.silent_recovery_ratio
                    then 1 else 0 end)
               over (partition by resource_id order by interval_start)        as normal_so_far
    from incidents.cell_intervals, p
),
collapses as (
    select *, lag(normal_so_far) over (partition by resource_id order by interval_start)
                  as prev_normal_so_far
    from counted
    where collapsed and not alarmed
),
sleeping as (
    select 'sleeping_cell' as kind, resource_id, region, resource_type, period_minutes,
           interval_start, traffic_ratio as ratio, peer_traffic_ratio as peer_ratio, degraded,
           sum(case when prev_normal_so_far is null
                     or (normal_so_far - prev_normal_so_far) * period_minutes
                        > 15 * (select silent_gap_intervals from p)
                    then 1 else 0 end)
               over (partition by resource_id order by interval_start)        as run_no
    from collapses
),
flagged as (
    select 'surge' as kind, resource_id, region, resource_type, period_minutes, interval_start,
           greatest(coalesce(traffic_ratio, 0), coalesce(util_ratio, 0)) as ratio,
           greatest(coalesce(peer_traffic_ratio, 0), coalesce(peer_util_ratio, 0))
               as peer_ratio, degraded
    from incidents.cell_intervals
    where surged and not alarmed
),
gaps as (
    select *,
           lag(interval_start) over (partition by kind, resource_id order by interval_start)
               as prev
    from flagged
),
runs as (
    select *,
           sum(case when prev is null
                     or date_diff('minute', prev, interval_start)
                        > period_minutes + 15 * (select silent_gap_intervals from p)
                    then 1 else 0 end)
               over (partition by kind, resource_id order by interval_start)        as run_no
    from gaps
    union all
    select kind, resource_id, region, resource_type, period_minutes, interval_start, ratio,
           peer_ratio, degraded, null as prev, run_no
    from sleeping
)
select kind, resource_id, any_value(region) as region, any_value(resource_type) as resource_type,
       run_no, any_value(period_minutes) as period_minutes,
       min(interval_start) as starts,
       max(interval_start) + to_minutes(cast(any_value(period_minutes) as bigint)) as ends,
       count(*) as intervals, median(ratio) as ratio, median(peer_ratio) as peer_ratio
from runs
group by kind, resource_id, run_no
having count(*) * any_value(period_minutes) >= 15 * (select silent_min_intervals from p);

-- A run has ended once it is before "now" and, for a sleeping cell, once an interval after it
-- was judged normal: a cell still asleep when the data ends in the quiet of the night is open.
alter table silent_runs add column recovered boolean;
update silent_runs r set recovered = r.ends < (select as_of from incidents.params)
    and (r.kind <> 'sleeping_cell' or exists (
        select 1 from incidents.cell_intervals ci
        where ci.resource_id = r.resource_id and ci.interval_start >= r.ends
          and ci.traffic_judged and ci.traffic_ratio >= (
              select silent_recovery_ratio from incidents.detection_params)));

create or replace temp table surge_windows as
with marked as (
    select r.kind, r.resource_id, r.run_no, r.period_minutes, ci.interval_start,
           ci.interval_start - to_minutes(cast(r.period_minutes * row_number() over (
               partition by r.resource_id, r.run_no order by ci.interval_start) as bigint)) as grp
    from silent_runs r
    join incidents.cell_intervals ci on ci.resource_id = r.resource_id
        and ci.interval_start >= r.starts and ci.interval_start < r.ends
    where r.kind = 'surge' and ci.degraded and not ci.alarmed
)
select resource_id, run_no, min(interval_start) as starts,
       max(interval_start) + to_minutes(cast(any_value(period_minutes) as bigint)) as ends
from marked
group by resource_id, run_no, grp;

create or replace temp table chronic_cells as
with p as (select * from incidents.detection_params),
days as (
    select resource_id, region, resource_type, cast(interval_start as date) as date,
           count(*) filter (where congested) * any_value(period_minutes) as congested_minutes,
           count(*) as reported, any_value(period_minutes) as period_minutes
    from incidents.cell_intervals
    where not alarmed
    group by all
),
cells as (
    select resource_id, any_value(region) as region, any_value(resource_type) as resource_type,
           count(*) as days_reported,
           count(*) filter (where congested_minutes
                                  >= 15 * (select congested_min_intervals from p))
               as congested_days,
           avg(congested_minutes) as daily_congested
    from days
    where reported * period_minutes >= 720
    group by resource_id
),
peers as (
    select region, resource_type, median(daily_congested) as peer_median
    from cells group by region, resource_type
),
peer_spread as (
    select c.region, c.resource_type, median(abs(c.daily_congested - pr.peer_median)) as peer_mad
    from cells c
    join peers pr on pr.region is not distinct from c.region
        and pr.resource_type = c.resource_type
    group by c.region, c.resource_type
)
select c.*, pr.peer_median,
       (c.daily_congested - pr.peer_median)
           / greatest(1.4826 * ps.peer_mad, 15 * p.chronic_mad_floor)            as peer_z
from cells c
join peers pr on pr.region is not distinct from c.region and pr.resource_type = c.resource_type
join peer_spread ps on ps.region is not distinct from c.region
    and ps.resource_type = c.resource_type
cross join p
where c.days_reported >= p.chronic_min_days
  and c.congested_days >= p.chronic_day_share * c.days_reported
  and (c.daily_congested - pr.peer_median)
          / greatest(1.4826 * ps.peer_mad, 15 * p.chronic_mad_floor) >= p.chronic_peer_z;

create or replace temp table chronic_windows as
with marked as (
    select ci.resource_id, ci.interval_start, ci.period_minutes,
           ci.interval_start - to_minutes(cast(ci.period_minutes * row_number() over (
               partition by ci.resource_id order by ci.interval_start) as bigint)) as grp
    from incidents.cell_intervals ci
    join chronic_cells c on c.resource_id = ci.resource_id
    where ci.degraded and not ci.alarmed
)
select resource_id, min(interval_start) as starts,
       max(interval_start) + to_minutes(cast(any_value(period_minutes) as bigint)) as ends
from marked
group by resource_id, grp;

insert into incidents.incidents
with p as (select * from incidents.params),
t as (select value as congested_util_pct from incidents.detection_thresholds
      where name = 'congested_util_pct' and scope = 'network')
select
    case r.kind when 'surge' then 'SIL-SURGE-' else 'SIL-SLEEP-' end || r.resource_id || '-'
        || strftime(r.starts, '%Y%m%dT%H%M')                                  as incident_id,
    'silent'                                                                  as source,
    r.kind                                                                    as kind,
    case r.kind when 'surge'
        then 'Load surged to ' || cast(round(r.ratio, 1) as varchar) || ' × usual on '
             || r.resource_id
        else 'Traffic collapsed to ' || cast(round(100 * r.ratio) as integer)
             || ' % of usual while available on ' || r.resource_id end       as title,
    null, null, r.resource_id, r.resource_type, r.region, r.starts,
    case when r.recovered then r.ends end                                     as ended_at,
    r.ends                                                                    as impact_end,
    case when r.recovered then 'cleared' else 'open' end                      as status,
    case when r.recovered then 'kpi_recovered' else 'open' end,
    false, 0, 0, 0, 0, false, 0, null, 0,
    case r.kind when 'surge'
        then 'silent: traffic or utilisation ' || cast(round(r.ratio, 1) as varchar)
             || ' × the resource''s usual level at that hour of week (peers '
             || cast(round(r.peer_ratio, 1) as varchar) || ' ×)'
        else 'silent: traffic ' || cast(round(100 * r.ratio) as integer)
             || ' % of the resource''s usual level at that hour of week (peers '
             || cast(round(100 * r.peer_ratio) as integer) || ' %)' end
        || ' for ' || r.intervals || ' interval(s), no alarm'                 as detection
from silent_runs r
union all
select
    'SIL-CONG-' || c.resource_id, 'silent', 'chronic_congestion',
    'Busy-hour congestion on ' || c.congested_days || ' of ' || c.days_reported
        || ' days on ' || c.resource_id,
    null, null, c.resource_id, c.resource_type, c.region, w.first_start,
    case when w.last_end < (select as_of from p) - interval 1 day then w.last_end end,
    w.last_end,
    case when w.last_end < (select as_of from p) - interval 1 day then 'cleared' else 'open' end,
    case when w.last_end < (select as_of from p) - interval 1 day then 'kpi_recovered'
         else 'open' end,
    false, 0, 0, 0, 0, false, 0, null, 0,
    'silent: utilisation ≥ ' || round((select congested_util_pct from t), 1) || ' % for '
        || round(c.daily_congested) || ' minutes a day on average (region median '
        || round(c.peer_median) || ', robust z ' || round(c.peer_z, 1) || '), no alarm'
from chronic_cells c
join (select resource_id, min(starts) as first_start, max(ends) as last_end
      from chronic_windows group by resource_id) w on w.resource_id = c.resource_id;

insert into incidents.incident_windows
select 'SIL-SLEEP-' || resource_id || '-' || strftime(starts, '%Y%m%dT%H%M'), resource_id,
       starts, ends, 'degradation'
from silent_runs
where kind = 'sleeping_cell'
union all
select 'SIL-SURGE-' || r.resource_id || '-' || strftime(r.starts, '%Y%m%dT%H%M'),
       w.resource_id, w.starts, w.ends, 'degradation'
from surge_windows w
join silent_runs r on r.kind = 'surge' and r.resource_id = w.resource_id
    and r.run_no = w.run_no
union all
select 'SIL-CONG-' || resource_id, resource_id, starts, ends, 'degradation'
from chronic_windows;

insert into incidents.scope_incidents
select incident_id from incidents.incidents where source = 'silent';

drop table silent_runs;
drop table surge_windows;
drop table chronic_cells;
drop table chronic_windows;
