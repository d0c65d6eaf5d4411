-- Silent incidents, from incidents.cell_intervals, into incidents.incidents and
-- incidents.incident_windows (and incidents.scope_incidents, for the impact models):
-- * sleeping_cell: a run of collapsed, unalarmed intervals on one cell, bridging gaps of up to
--   `silent_gap_intervals` intervals, at least `silent_min_intervals` long. Open while the run
--   reaches the last interval of data.
-- * chronic_congestion: a cell congested (≥ `congested_min_intervals` congested intervals) on at
--   least `chronic_day_share` of the days it reported (at least `chronic_min_days` days): the
--   busy hour saturates day after day. Its congested intervals a day, on average, must stand out
--   from the cells of its region by a robust z-score of at least `chronic_peer_z` (the peers'
--   MAD floored at `chronic_mad_floor` intervals a day), so that a region where every cell is
--   busy is a capacity plan, not a list of faults. Its impact windows are the runs of degraded
--   intervals.
delete from incidents.incident_windows
where incident_id in (select incident_id from incidents.incidents where source = 'silent');
delete from incidents.incidents where source = 'silent';

create or replace temp table silent_runs as
with p as (select * from incidents.params),
flagged as (
    select resource_id, region, interval_start, ratio, peer_ratio
    from incidents.cell_intervals
    where collapsed and not alarmed
),
gaps as (
    select *,
           lag(interval_start) over (partition by resource_id order by interval_start) as prev
    from flagged
),
runs as (
    select *,
           sum(case when prev is null
                     or date_diff('minute', prev, interval_start)
                        > 15 * (1 + (select silent_gap_intervals from p))
                    then 1 else 0 end)
               over (partition by resource_id order by interval_start)              as run_no
    from gaps
)
select resource_id, any_value(region) as region, run_no,
       min(interval_start) as starts, max(interval_start) + interval 15 minute as ends,
       count(*) as intervals, median(ratio) as ratio, median(peer_ratio) as peer_ratio
from runs
group by resource_id, run_no
having count(*) >= (select silent_min_intervals from p);

create or replace temp table chronic_cells as
with p as (select * from incidents.params),
days as (
    select resource_id, region, cast(interval_start as date) as date,
           count(*) filter (where congested) as congested_intervals,
           count(*) as reported
    from incidents.cell_intervals
    where not alarmed
    group by all
),
cells as (
    select resource_id, any_value(region) as region, count(*) as days_reported,
           count(*) filter (where congested_intervals >= (select congested_min_intervals from p))
               as congested_days,
           avg(congested_intervals) as daily_congested
    from days
    where reported >= 48
    group by resource_id
),
peers as (
    select region, median(daily_congested) as peer_median from cells group by region
),
peer_spread as (
    select c.region, median(abs(c.daily_congested - pr.peer_median)) as peer_mad
    from cells c join peers pr using (region)
    group by c.region
)
select c.*, pr.peer_median,
       (c.daily_congested - pr.peer_median)
           / greatest(1.4826 * ps.peer_mad, p.chronic_mad_floor)                 as peer_z
from cells c
join peers pr using (region)
join peer_spread ps using (region)
cross join p
where c.days_reported >= p.chronic_min_days
  and c.congested_days >= p.chronic_day_share * c.days_reported
  and (c.daily_congested - pr.peer_median)
          / greatest(1.4826 * ps.peer_mad, p.chronic_mad_floor) >= p.chronic_peer_z;

create or replace temp table chronic_windows as
with marked as (
    select ci.resource_id, ci.interval_start,
           ci.interval_start - to_minutes(15 * cast(row_number() over (
               partition by ci.resource_id order by ci.interval_start) as bigint)) as grp
    from incidents.cell_intervals ci
    join chronic_cells c on c.resource_id = ci.resource_id
    where ci.degraded and not ci.alarmed
)
select resource_id, min(interval_start) as starts,
       max(interval_start) + interval 15 minute as ends
from marked
group by resource_id, grp;

insert into incidents.incidents
with p as (select * from incidents.params)
select
    'SIL-SLEEP-' || r.resource_id || '-' || strftime(r.starts, '%Y%m%dT%H%M')   as incident_id,
    'silent'                                                                  as source,
    'sleeping_cell'                                                           as kind,
    'Traffic collapsed to ' || cast(round(100 * r.ratio) as integer)
        || ' % of usual while available on ' || r.resource_id                 as title,
    null, null, r.resource_id, 'cell', r.region, r.starts,
    case when r.ends < (select as_of from p) then r.ends end                  as ended_at,
    r.ends                                                                    as impact_end,
    case when r.ends < (select as_of from p) then 'cleared' else 'open' end  as status,
    case when r.ends < (select as_of from p) then 'kpi_recovered' else 'open' end,
    false, 0, 0, 0, 0, false, 0, null, 0,
    'silent: sessions ' || cast(round(100 * r.ratio) as integer)
        || ' % of the cell''s usual level at that hour (peers '
        || cast(round(100 * r.peer_ratio) as integer) || ' %) for ' || r.intervals
        || ' intervals, no alarm'                                             as detection
from silent_runs r
union all
select
    'SIL-CONG-' || c.resource_id, 'silent', 'chronic_congestion',
    'Busy-hour congestion on ' || c.congested_days || ' of ' || c.days_reported
        || ' days on ' || c.resource_id,
    null, null, c.resource_id, 'cell', c.region, w.first_start,
    case when w.last_end < (select as_of from p) - interval 1 day then w.last_end end,
    w.last_end,
    case when w.last_end < (select as_of from p) - interval 1 day then 'cleared' else 'open' end,
    case when w.last_end < (select as_of from p) - interval 1 day then 'kpi_recovered'
         else 'open' end,
    false, 0, 0, 0, 0, false, 0, null, 0,
    'silent: utilisation ≥ ' || (select congested_util_pct from p) || ' % for '
        || round(c.daily_congested, 1) || ' intervals a day on average (region median '
        || round(c.peer_median, 1) || ', robust z ' || round(c.peer_z, 1) || '), no alarm'
from chronic_cells c
join (select resource_id, min(starts) as first_start, max(ends) as last_end
      from chronic_windows group by resource_id) w on w.resource_id = c.resource_id;

insert into incidents.incident_windows
select 'SIL-SLEEP-' || resource_id || '-' || strftime(starts, '%Y%m%dT%H%M'), resource_id,
       starts, ends, 'degradation'
from silent_runs
union all
select 'SIL-CONG-' || resource_id, resource_id, starts, ends, 'degradation'
from chronic_windows;

insert into incidents.scope_incidents
select incident_id from incidents.incidents where source = 'silent';

drop table silent_runs;
drop table chronic_cells;
drop table chronic_windows;
