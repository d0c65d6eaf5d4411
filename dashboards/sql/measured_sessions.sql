-- One row per measured session (UE trace) for the Measured experience page, oldest first;
-- $activity is 'all', 'video' or 'download'.
select session_id, app, activity, mobility, content, started_at, duration_s, samples,
       main_technology, scored_technology, share_5g, share_4g, share_legacy, handovers,
       dl_mean_mbps, dl_p10_mbps, reference_mbps, rtt_ms, loss_pct, rsrp_dbm, rsrq_db, sinr_db,
       cqi, rsrp_band, idle_share, stalled_share, score, components_measured, poor, reason
from ue_sessions
where $activity = 'all' or activity = $activity
order by started_at, session_id
