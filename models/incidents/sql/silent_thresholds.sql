-- incidents.detection_thresholds: one row per threshold the silent-degradation detector uses
-- (scope `network`) and per resource it could not judge, or judged on a fallback baseline
-- (scope: the resource id): the value and how it was derived, so that a user sees why a cell
-- was or was not flagged. Derived from the operator's own history (incidents.cell_scores),
-- unless set in the configuration (incidents.detection_params not NULL):
-- * silent_z / surge_z: the hourly z-score (median over the hour's intervals: a sustained
--   departure) that a share `false_alarm_rate` of the judged, available, unalarmed
--   resource-hours reach below (collapses: traffic) or above (surges: traffic or utilisation,
--   whichever is higher), clamped to [`silent_z_floor`, `silent_z_ceiling`]; the ceiling when
--   there is no history to derive from. Intervals the ratio rules already call a collapse
--   (≤ `silent_collapse_ratio`) or a surge (≥ `surge_ratio`) are left out: the cut-off is
--   set by the noise, not by the faults the history holds (however many there are);
-- * congested_util_pct: the network's median busy-hour utilisation (the highest hourly mean of
--   each resource-day) + `congested_util_z` robust standard deviations (1.4826 × MAD), clamped
--   to [`congested_util_floor`, `congested_util_ceiling`]; degraded_util_pct: that minus
--   `degraded_util_margin`.
create or replace table incidents.detection_thresholds as
with p as (select * from incidents.detection_params),
hours as (
    select s.resource_id, date_trunc('hour', s.interval_start) as hour,
           median(s.z_traffic) filter (where s.usual_traffic >= p.silent_min_sessions
               and s.usual_traffic >= p.silent_min_level_share * s.peak_traffic
               and s.traffic_ratio > p.silent_collapse_ratio)                  as z_low,
           median(greatest(s.z_traffic, s.z_util)) filter (
               where coalesce(s.traffic_ratio, 0) < p.surge_ratio
                 and coalesce(s.util_ratio, 0) < p.surge_ratio)                as z_high,
           avg(s.utilisation_pct)                                               as util
    from incidents.cell_scores s
    cross join p
    where s.unavailable_s = 0 and not s.alarmed
    group by all
),
ranked as (
    -- the quantile at false_alarm_rate, as the k-th most extreme value (quantile_cont wants a
    -- constant fraction)
    select z_low, z_high,
           row_number() over (order by z_low) as rank_low, count(z_low) over () as n_low,
           row_number() over (order by z_high desc) as rank_high,
           count(z_high) over () as n_high
    from hours
),
tails as (
    select coalesce(any_value(n_low), 0) as n_low, coalesce(any_value(n_high), 0) as n_high,
           max(z_low) filter (where rank_low <= greatest(1, ceil(p.false_alarm_rate * n_low)))
               as q_low,
           min(z_high) filter (where rank_high <= greatest(1, ceil(p.false_alarm_rate * n_high)))
               as q_high
    from ranked cross join p
),
busy as (
    select resource_id, cast(hour as date) as day, max(util) as busy_util
    from hours where util is not null group by all
),
busy_median as (
    select count(*) as n_busy, median(busy_util) as med from busy
),
busy_stats as (
    select m.n_busy, m.med, median(abs(b.busy_util - m.med)) as mad
    from busy b cross join busy_median m group by all
),
derived as (
    select t.*, b.n_busy, b.med as busy_median, b.mad as busy_mad,
           greatest(p.silent_z_floor, least(p.silent_z_ceiling, -t.q_low))    as silent_z,
           greatest(p.silent_z_floor, least(p.silent_z_ceiling, t.q_high))    as surge_z,
           greatest(p.congested_util_floor, least(p.congested_util_ceiling,
               b.med + p.congested_util_z * 1.4826 * b.mad))                  as congested
    from tails t
    cross join p
    left join busy_stats b on true
),
network as (
    select 'silent_z' as name, coalesce(p.silent_z, d.silent_z) as value,
           case when p.silent_z is not null then 'set in the configuration'
                when d.n_low = 0 then 'no judged resource-hours to derive from: the ceiling'
                else printf('derived: %.3g quantile of hourly collapse z over %d resource-hours'
                            || ' = %.2f, clamped to [%g, %g]', p.false_alarm_rate, d.n_low,
                            -d.q_low, p.silent_z_floor, p.silent_z_ceiling) end as how
    from derived d cross join p
    union all
    select 'surge_z', coalesce(p.surge_z, d.surge_z),
           case when p.surge_z is not null then 'set in the configuration'
                when d.n_high = 0 then 'no judged resource-hours to derive from: the ceiling'
                else printf('derived: %.3g upper quantile of hourly surge z (traffic or '
                            || 'utilisation) over %d resource-hours = %.2f, clamped to [%g, %g]',
                            p.false_alarm_rate, d.n_high, d.q_high, p.silent_z_floor,
                            p.silent_z_ceiling) end
    from derived d cross join p
    union all
    select 'congested_util_pct', coalesce(p.congested_util_pct, d.congested),
           case when p.congested_util_pct is not null then 'set in the configuration'
                when coalesce(d.n_busy, 0) = 0
                    then 'no utilisation reported to derive from: the ceiling'
                else printf('derived: busy-hour utilisation over %d resource-days, median %.1f'
                            || ' + %g × 1.4826 × MAD %.1f = %.1f, clamped to [%g, %g]',
                            d.n_busy, d.busy_median, p.congested_util_z, d.busy_mad,
                            d.busy_median + p.congested_util_z * 1.4826 * d.busy_mad,
                            p.congested_util_floor, p.congested_util_ceiling) end
    from derived d cross join p
    union all
    select 'degraded_util_pct',
           coalesce(p.degraded_util_pct,
                    coalesce(p.congested_util_pct, d.congested) - p.degraded_util_margin),
           case when p.degraded_util_pct is not null then 'set in the configuration'
                else printf('congested_util_pct − %g', p.degraded_util_margin) end
    from derived d cross join p
),
settings as (
    select name, value, 'setting' as how
    from p
    unpivot (value for name in (silent_min_sessions, silent_min_level_share,
                                silent_collapse_ratio, silent_recovery_ratio,
                                silent_peer_ratio, surge_ratio,
                                surge_peer_factor, chronic_day_share, chronic_peer_z))
),
per_resource as (
    select h.resource_id as scope, 'history' as name, cast(h.days as double) as value,
           h.status as how
    from incidents.resource_history h
    where not h.judged
    union all
    select b.resource_id, 'baseline', count(*) filter (where b.basis = 'hour_of_week') / 168.0,
           'traffic baseline: ' || count(*) filter (where b.basis = 'hour_of_week')
           || ' of 168 hours of week from its own hour of week, '
           || count(*) filter (where b.basis = 'hour_of_day') || ' from its own hour of day, '
           || count(*) filter (where b.basis = 'peers') || ' from its peers, '
           || 168 - count(*) || ' not judged (too little history)'
    from incidents.resource_baselines b
    where b.metric = 'traffic'
    group by b.resource_id
    having count(*) filter (where b.basis = 'hour_of_week') < 168
),
final as (
    select name, 'network' as scope, cast(value as double) as value, how from network
    union all
    select name, 'network', cast(value as double), how from settings
    union all
    select name, scope, value, how from per_resource
)
select * from final;
