-- The judged resources in parts, in the order of their ids: a part starts every $part_intervals
-- PM intervals and holds the resources whose intervals start in it (at most $part_intervals
-- plus those of its last resource: a resource is never split), one row per part with its first
-- and last resource id. silent_baselines_own.sql runs once
-- per part, so that the medians it takes hold one part's observations at a time, however many
-- resources the operator has. The table the parts fill is emptied here.
create or replace table incidents.baseline_slots (
    resource_id varchar, metric varchar, grain varchar, slot integer, usual_log double,
    mad_log double, samples bigint, periods bigint);
with judged as (
    select resource_id, intervals,
           sum(intervals) over (order by resource_id
                                rows between unbounded preceding and current row) - intervals
               as before
    from incidents.resource_history
    where judged
)
select min(resource_id) as first_id, max(resource_id) as last_id
from judged
group by floor(before / $part_intervals)
order by first_id
