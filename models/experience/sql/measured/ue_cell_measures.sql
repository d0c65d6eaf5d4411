-- model: measured.ue_cell_measures
-- kind: whole
-- grain: cell_id, date
-- not_null: cell_id
-- inputs: measured.ue_samples
-- feeds: ue-measurements
-- measured.ue_cell_measures: one row per cell a phone measured per UTC day, and one per cell
-- over every day of the logs (`date` NULL): what every session that used the cell experienced
-- there, before scoring. One set of measures for both grains (grouping sets), so the daily and
-- the overall cell tables (measured/ue_cells_daily.sql, ue_cells.sql) cannot drift apart.
--
-- Throughput is over active samples (see measured/ue_sessions.sql); handovers_out counts the
-- times a phone left this cell for another one, within a session.
create or replace table measured.ue_cell_measures as
with samples as (
    select * from measured.ue_samples
),
main_technology as (   -- the technology most samples were on (ties: the first by name)
    select cell_id, date, technology as main_technology
    from (select cell_id, date, technology,
                 row_number() over (partition by cell_id, date
                                    order by samples desc, technology) as place
          from (select cell_id, date, technology, count(*) as samples
                from samples where technology is not null
                group by grouping sets ((cell_id, date, technology), (cell_id, technology))))
    where place = 1
),
measures as (
    select
        cell_id,
        date,
        count(distinct date)                                          as days,
        count(*)                                                      as samples,
        count(*) filter (where active)                                as active_samples,
        count(distinct session_id)                                    as sessions,
        min(measured_at)                                              as first_seen_at,
        max(measured_at)                                              as last_seen_at,
        count(*) filter (where left_cell)                             as handovers_out,
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
                                                                      as stalled_share
    from samples
    group by grouping sets ((cell_id, date), (cell_id))
),
final as (
    select m.*, t.main_technology
    from measures m
    left join main_technology t
        on t.cell_id = m.cell_id and t.date is not distinct from m.date
)
select * from final;
