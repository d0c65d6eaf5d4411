-- incidents.params: one row, the tunables of the incident models (documented in
-- models/incidents/params.py) and `as_of`, the instant taken as "now": the end of the newest
-- data, PM intervals or alarm events, unless given.
create or replace table incidents.params as
select
    $model_version                                        as model_version,
    $run_id                                               as run_id,
    coalesce(cast($as_of as timestamp), greatest(
        (select max(interval_start) + interval 15 minute from stg.kpi_15min),
        (select max(event_time) from stg.alarm_events)))
                                                          as as_of,
    cast($flap_gap_minutes as double)                     as flap_gap_minutes,
    cast($flap_min_alarms as integer)                     as flap_min_alarms,
    cast($link_before_minutes as double)                  as link_before_minutes,
    cast($link_window_minutes as double)                  as link_window_minutes,
    cast($peer_window_minutes as double)                  as peer_window_minutes,
    cast($stale_quantile as double)                       as stale_quantile,
    cast($stale_default_minutes as double)                as stale_default_minutes,
    cast($cell_share_min as double)                       as cell_share_min,
    cast($silent_min_sessions as double)                  as silent_min_sessions,
    cast($silent_z as double)                             as silent_z,
    cast($silent_collapse_ratio as double)                as silent_collapse_ratio,
    cast($silent_peer_ratio as double)                    as silent_peer_ratio,
    cast($silent_gap_intervals as integer)                as silent_gap_intervals,
    cast($silent_min_intervals as integer)                as silent_min_intervals,
    cast($congested_util_pct as double)                   as congested_util_pct,
    cast($degraded_util_pct as double)                    as degraded_util_pct,
    cast($congested_min_intervals as integer)             as congested_min_intervals,
    cast($chronic_day_share as double)                    as chronic_day_share,
    cast($chronic_min_days as integer)                    as chronic_min_days,
    cast($chronic_peer_z as double)                       as chronic_peer_z,
    cast($chronic_mad_floor as double)                    as chronic_mad_floor,
    cast($churn_prior as double)                          as churn_prior,
    cast($smb_weight as double)                           as smb_weight,
    cast($enterprise_weight as double)                    as enterprise_weight,
    cast($sla_weight as double)                           as sla_weight,
    cast($revenue_weight as double)                       as revenue_weight,
    cast($experience_weight as double)                    as experience_weight,
    cast($chronic_after_days as double)                   as chronic_after_days
