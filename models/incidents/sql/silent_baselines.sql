-- incidents.resource_baselines: one row per judged resource × metric × hour of week (0 = Monday
-- 00:00 UTC … 167): the resource's usual level of log(1 + value) there and its spread (median
-- and MAD), and where they come from (`basis`):
-- * `hour_of_week`: its own observations at that hour of the week, when it has
--   `baseline_min_samples` of them (two weeks of 15-minute data, eight of hourly data) from at
--   least `baseline_min_periods` different weeks (three: with two, one bad week would be half
--   of the baseline, and a cell asleep for its last days would look usual);
-- * `hour_of_day`: else its own observations at that hour of the day, likewise (from at least
--   three days);
-- * `peers`: else the hour-of-day shape of the resources of its region and type that have one
--   (their usual level at that hour minus their overall median; at least `baseline_min_peers`
--   of them) placed around its own overall median level, with their median spread.
-- Hours none of these cover get no row (not judged). Metrics: `traffic` (sessions, else access
-- attempts) and `utilisation` (utilisation_pct). Only intervals the resource was available in
-- count; the medians shrug off the collapses and surges the history itself holds. Each
-- resource's own medians were taken part by part (silent_baselines_own.sql, into
-- incidents.baseline_slots); this chooses among them and drops that table.
create or replace table incidents.resource_baselines as
with p as (select * from incidents.detection_params),
by_week as (
    select resource_id, metric, slot as hour_of_week, usual_log, mad_log, samples, periods
    from incidents.baseline_slots where grain = 'week'
),
own_day as (
    select resource_id, metric, slot as hour_of_day, usual_log, mad_log, samples, periods
    from incidents.baseline_slots where grain = 'day'
),
levels as (
    select s.resource_id, s.metric, h.resource_type, h.region, s.usual_log as level_log
    from incidents.baseline_slots s
    join incidents.resource_history h using (resource_id)
    where s.grain = 'all'
),
peer_shape as (
    select l.resource_type, l.region, d.metric, d.hour_of_day,
           median(d.usual_log - l.level_log) as shape_log, median(d.mad_log) as mad_log,
           count(*) as peers
    from own_day d
    join levels l using (resource_id, metric)
    cross join p
    where d.samples >= p.baseline_min_samples and d.periods >= p.baseline_min_periods
    group by all
    having count(*) >= any_value(p.baseline_min_peers)
),
grid as (
    select l.*, unnest(range(168)) as hour_of_week from levels l
),
chosen as (
    select g.resource_id, g.metric, g.hour_of_week,
           case when w.samples >= p.baseline_min_samples
                     and w.periods >= p.baseline_min_periods then 'hour_of_week'
                when d.samples >= p.baseline_min_samples
                     and d.periods >= p.baseline_min_periods then 'hour_of_day'
                when ps.shape_log is not null then 'peers' end                     as basis,
           w.usual_log as week_log, w.mad_log as week_mad, w.samples as week_samples,
           d.usual_log as day_log, d.mad_log as day_mad, d.samples as day_samples,
           g.level_log + ps.shape_log as peer_log, ps.mad_log as peer_mad, ps.peers
    from grid g
    cross join p
    left join by_week w using (resource_id, metric, hour_of_week)
    left join own_day d on d.resource_id = g.resource_id and d.metric = g.metric
        and d.hour_of_day = g.hour_of_week % 24
    left join peer_shape ps on ps.resource_type = g.resource_type
        and ps.region is not distinct from g.region and ps.metric = g.metric
        and ps.hour_of_day = g.hour_of_week % 24
),
final as (
    select resource_id, metric, hour_of_week, basis,
           case basis when 'hour_of_week' then week_log when 'hour_of_day' then day_log
                else peer_log end                                                  as usual_log,
           case basis when 'hour_of_week' then week_mad when 'hour_of_day' then day_mad
                else peer_mad end                                                  as mad_log,
           case basis when 'hour_of_week' then week_samples
                when 'hour_of_day' then day_samples else peers end                 as samples
    from chosen
    where basis is not null
)
select * from final;
drop table incidents.baseline_slots;
