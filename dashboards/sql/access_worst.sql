-- The access resources (cells, PON ports) worst first over the period ($start … $end): one row
-- per resource measured in access_hourly, the first $rows in the order $order asks:
-- * 'busy_hour'   its busy-hour utilisation (the day's highest 15-minute peak, averaged over
--                 its days), highest first;
-- * 'failures'    failed set-ups (100 × Σ (attempts − successes) ÷ Σ attempts), highest first;
-- * 'throughput'  mean throughput (Σ throughput × intervals ÷ Σ intervals), lowest first;
-- * 'unavailable' minutes without service, most first.
-- Beside them: the hours whose peak reached $congested_pct (the congestion threshold the
-- detector used), dropped sessions (100 × Σ drops ÷ Σ successful set-ups) and the mean active
-- sessions per 15-minute interval. Ratios are ratios of sums; a counter the export does not
-- carry stays NULL (not measured), never 0, and sorts last. `resources`: how many were ranked.
with days as (
    select resource_id, date,
           max(utilisation_max_pct)                                        as busy_hour_pct,
           count(utilisation_max_pct)                                      as util_hours,
           count(*) filter (where utilisation_max_pct >= $congested_pct)   as congested_hours,
           sum(throughput_mbps * intervals_reported)                       as throughput_x,
           sum(intervals_reported) filter (where throughput_mbps is not null)
                                                                           as throughput_n,
           sum(access_attempts)                                            as attempts,
           sum(access_successes)                                           as successes,
           sum(drops)                                                      as drops,
           sum(sessions)                                                   as sessions,
           sum(intervals_reported) filter (where sessions is not null)     as session_n,
           sum(unavailable_minutes)                                        as unavailable_minutes
    from access_hourly
    where date between $start and $end
    group by resource_id, date
),
per_resource as (
    select resource_id,
           count(*)                                                        as days,
           avg(busy_hour_pct)                                              as busy_hour_pct,
           case when sum(util_hours) > 0
                then cast(sum(congested_hours) as bigint) end              as congested_hours,
           sum(throughput_x) / nullif(sum(throughput_n), 0)                as throughput_mbps,
           cast(100.0 * (sum(attempts) - sum(successes)) / nullif(sum(attempts), 0) as double)
                                                                           as failed_setup_pct,
           cast(100.0 * sum(drops) / nullif(sum(successes), 0) as double)  as drop_pct,
           cast(sum(sessions) / nullif(sum(session_n), 0) as double)       as sessions,
           sum(unavailable_minutes)                                        as unavailable_minutes
    from days
    group by resource_id
),
final as (
    select *, count(*) over ()                                             as resources
    from per_resource
)
select *
from final
order by case $order
             when 'busy_hour' then busy_hour_pct
             when 'failures' then failed_setup_pct
             when 'throughput' then -throughput_mbps
             when 'unavailable' then unavailable_minutes
         end desc nulls last,
         resource_id
limit $rows
