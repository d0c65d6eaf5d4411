-- One part of the judged resources (ids $first_id … $last_id, see silent_baseline_parts.sql):
-- each resource's own usual level of log(1 + value) per metric, added to
-- incidents.baseline_slots per hour of week (`grain` 'week', `slot` 0 = Monday 00:00 UTC …
-- 167), per hour of day ('day', 0 … 23) and overall ('all', 0): the median, the MAD around
-- it, the observations and the different days they come from. Metrics: `traffic` (sessions,
-- else access attempts) and `utilisation` (utilisation_pct), from the intervals the resource
-- was available in. silent_baselines.sql then chooses among them.
insert into incidents.baseline_slots
with observed as (
    select k.resource_id, k.interval_start,
           ln(1 + coalesce(k.sessions, k.access_attempts)) as traffic,
           ln(1 + k.utilisation_pct) as utilisation
    from stg.kpi_15min k
    join incidents.resource_history h on h.resource_id = k.resource_id and h.judged
    where coalesce(k.unavailable_s, 0) = 0
      and k.resource_id between $first_id and $last_id
),
obs as (
    select resource_id, metric, value, interval_start
    from observed
    unpivot (value for metric in (traffic, utilisation))
    where value is not null
),
by_slot as (
    select resource_id, metric, grain, value, cast(interval_start as date) as day,
           case grain when 'week' then (isodow(interval_start) - 1) * 24 + hour(interval_start)
                      when 'day' then hour(interval_start) else 0 end as slot
    from obs
    cross join (values ('week'), ('day'), ('all')) as grains (grain)
),
usual as (
    select resource_id, metric, grain, slot, median(value) as usual_log, count(*) as samples,
           count(distinct day) as periods
    from by_slot group by all
),
spread as (
    select o.resource_id, o.metric, o.grain, o.slot, median(abs(o.value - u.usual_log)) as mad_log
    from by_slot o join usual u using (resource_id, metric, grain, slot)
    group by all
)
select u.resource_id, u.metric, u.grain, u.slot, u.usual_log, s.mad_log, u.samples, u.periods
from usual u join spread s using (resource_id, metric, grain, slot)
