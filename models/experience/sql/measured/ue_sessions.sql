-- model: measured.ue_sessions
-- kind: whole
-- grain: session_id
-- not_null: session_id
-- inputs: measured.ue_samples
-- feeds: ue-measurements
-- python: experience.ue_sessions
-- measured.ue_sessions: one row per session (one UE trace file): what the phone measured while
-- the app streamed or downloaded, before scoring. The Python step
-- (cxbridge.models.experience.measured:score_sessions) adds the experience score by the SEI's laws,
-- the radio bands and the reason in words.
--
-- Throughput is over active samples only (the app transferring): a video player idling on a
-- full buffer is not a slow network. Means of per-second rates over those seconds are the
-- session's bytes over its transferring time. RTT and loss come from the app's pings, which
-- most traces do not run: then they are NULL (not measured), never 0.
with samples as (
    select * from measured.ue_samples
),
main_cell as (
    select session_id, cell_id as main_cell_id
    from (select session_id, cell_id,
                 row_number() over (partition by session_id
                                    order by count(*) desc, cell_id) as place
          from samples group by session_id, cell_id)
    where place = 1
),
main_technology as (
    select session_id, technology as main_technology
    from (select session_id, technology,
                 row_number() over (partition by session_id
                                    order by count(*) desc, technology) as place
          from samples where technology is not null group by session_id, technology)
    where place = 1
),
measures as (
    select
        session_id,
        min(app) as app, min(activity) as activity, min(mobility) as mobility,
        min(content) as content, min(operator) as operator,
        min(measured_at)                                              as started_at,
        max(measured_at)                                              as ended_at,
        cast(min(measured_at) as date)                                as date,
        date_diff('second', min(measured_at), max(measured_at)) + 1   as duration_s,
        count(*)                                                      as samples,
        count(*) filter (where active)                                as active_samples,
        count(distinct cell_id)                                       as cells,
        count(*) filter (where entered_cell)                          as handovers,
        avg(case when technology = '5G' then 1.0 else 0.0 end)        as share_5g,
        avg(case when technology = '4G' then 1.0 else 0.0 end)        as share_4g,
        avg(case when technology in ('3G', '2G') then 1.0 else 0.0 end) as share_legacy,
        count(*) filter (where active and technology = '5G')          as active_5g,
        count(*) filter (where active and technology = '4G')          as active_4g,
        count(*) filter (where active and technology = '3G')          as active_3g,
        count(*) filter (where active and technology = '2G')          as active_2g,
        count(*) filter (where active and activity = 'video')         as active_video,
        avg(dl_mbps) filter (where active)                            as dl_mean_mbps,
        quantile_cont(dl_mbps, 0.1) filter (where active)             as dl_p10_mbps,
        avg(ul_mbps) filter (where active)                            as ul_mean_mbps,
        avg(ping_avg_ms)                                              as rtt_ms,
        avg(ping_loss_pct)                                            as loss_pct,
        count(ping_avg_ms)                                            as ping_samples,
        avg(rsrp_dbm)                                                 as rsrp_dbm,
        quantile_cont(rsrp_dbm, 0.1)                                  as rsrp_p10_dbm,
        avg(rsrq_db)                                                  as rsrq_db,
        avg(sinr_db)                                                  as sinr_db,
        avg(cqi)                                                      as cqi,
        avg(case when idle then 1.0 else 0.0 end)                     as idle_share,
        count(*) filter (where stalled) / nullif(count(*) filter (where active), 0)
                                                                      as stalled_share,
        avg(speed_kmh)                                                as speed_kmh
    from samples
    group by session_id
),
final as (
    select m.*, c.main_cell_id, t.main_technology
    from measures m
    left join main_cell c using (session_id)
    left join main_technology t using (session_id)
)
select * from final
order by session_id
