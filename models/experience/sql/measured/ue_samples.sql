-- model: measured.ue_samples
-- kind: whole
-- grain: session_id, sample_line
-- not_null: session_id, sample_line
-- inputs: stg.ue_measurements
-- feeds: ue-measurements
-- measured.ue_samples: one row per UE measurement sample (about one per second per phone), in
-- trace order, with what the session and cell models need: the technology the phone was on,
-- whether it was transferring, idle or stalled, and whether it had just changed cell.
--
-- technology: 5G (NR, including NSA, where the anchor cell is LTE), 4G (LTE), 3G (UMTS/HSPA
-- family), 2G (GSM/GPRS/EDGE); anything else NULL (not known, never guessed).
-- active: the app was transferring (State D, "downloading" in the data set; a log without a
-- State column counts every sample). idle: State I (nothing asked for, e.g. a full video
-- buffer). stalled: transferring, yet no byte arrived in that second.
-- Samples are ordered by time and, within a second, by their line in the file, so that cell
-- changes do not depend on any engine's tie-breaking.
create schema if not exists measured;

create or replace table measured.ue_samples as
with samples as (
    select
        trace                                                       as session_id,
        sample_line,
        measured_at,
        cast(measured_at as date)                                   as date,
        app, activity, mobility, content, operator, cell_id, state,
        upper(trim(network_mode))                                   as mode,
        dl_bitrate_kbps / 1000.0                                    as dl_mbps,
        ul_bitrate_kbps / 1000.0                                    as ul_mbps,
        rsrp_dbm, rsrq_db, snr_db                                   as sinr_db, cqi,
        ping_avg_ms, ping_loss_pct, speed_kmh
    from stg.ue_measurements
),
classified as (
    select
        * exclude (mode),
        case
            when mode in ('5G', 'NR', 'NR5G', 'NR_SA', 'NR_NSA', 'NRSA', 'NRNSA', 'ENDC',
                          'EN-DC', '5G NSA', '5G SA') then '5G'
            when mode in ('LTE', '4G', 'LTE-A', 'LTE+', 'LTE_CA', 'LTE-CA') then '4G'
            when mode in ('UMTS', 'WCDMA', 'HSPA', 'HSPA+', 'HSDPA', 'HSUPA', '3G',
                          'TD-SCDMA', 'EVDO') then '3G'
            when mode in ('GSM', 'GPRS', 'EDGE', '2G') then '2G'
        end                                                         as technology,
        coalesce(state = 'D', state is null)                        as active,
        coalesce(state = 'I', false)                                as idle,
        coalesce(state = 'D', state is null) and dl_mbps = 0        as stalled,
        lag(cell_id) over trace_order                               as previous_cell_id,
        lead(cell_id) over trace_order                              as next_cell_id
    from samples
    window trace_order as (partition by session_id order by measured_at, sample_line)
),
final as (
    select
        * exclude (previous_cell_id, next_cell_id),
        coalesce(previous_cell_id <> cell_id, false)                as entered_cell,
        coalesce(next_cell_id <> cell_id, false)                    as left_cell
    from classified
)
select * from final
order by session_id, measured_at, sample_line;
