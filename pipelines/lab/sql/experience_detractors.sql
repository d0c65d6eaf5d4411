-- One row per survey answer: detractor (NPS 0–6) or not; the customer's experience over the 30
-- days up to the answer as the index sees it — the shortfall below the 90-point target summed
-- over the days (their worst service each day), so that every bad day counts and a good
-- day's margin cannot cancel it — and the raw network KPIs of the same window, for comparison.
with answers as (
    select response_id, customer_id, cast(responded_at as date) as answered_on,
           score <= 6 as detractor
    from stg.surveys
    where score is not null
),
window_days as (
    select a.response_id, s.*
    from answers a
    join marts.service_daily s
      on s.customer_id = a.customer_id
     and s.date between a.answered_on - 29 and a.answered_on
),
experience as (
    select a.response_id, sum(greatest(0, 90 - c.sei_worst)) as sei_shortfall,
           count(*) filter (where c.poor) as poor_days
    from answers a
    join marts.customer_daily c
      on c.customer_id = a.customer_id
     and c.date between a.answered_on - 29 and a.answered_on
    group by a.response_id
),
raw as (
    select response_id,
           sum(outage_minutes)                                        as outage_minutes,
           max(latency_ms_worst_hour)                                 as worst_latency_ms,
           avg(latency_ms)                                            as mean_latency_ms,
           max(packet_loss_pct_worst_hour)                            as worst_loss_pct,
           avg(jitter_ms)                                             as mean_jitter_ms,
           -min(throughput_mbps_worst_hour)                           as throughput_shortfall,
           sum(session_failures) / nullif(sum(sessions), 0)           as session_failure_rate,
           sum(drops) / nullif(sum(access_attempts), 0)               as drop_rate,
           sum(pm_unavailable_minutes)                                as pm_unavailable_minutes,
           sum(video_stall_count)                                     as video_stalls
    from window_days
    group by response_id
)
select a.detractor, e.sei_shortfall, e.poor_days, r.* exclude (response_id)
from answers a
join experience e using (response_id)
left join raw r using (response_id)
