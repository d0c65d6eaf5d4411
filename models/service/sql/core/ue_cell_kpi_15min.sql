-- model: core.ue_cell_kpi_15min
-- kind: whole
-- grain: resource_id, interval_start
-- not_null: resource_id, interval_start
-- inputs: stg.ue_measurements
-- feeds: ue-measurements
-- core.ue_cell_kpi_15min: one row per cell per 15-minute interval (UTC), aggregated across every
-- UE trace that measured the cell: what phones experienced there, in the warehouse's KPI units.
-- The network mode is the one most samples of the interval were on (ties: the first by name),
-- so the result never depends on the engine's row order.
create schema if not exists core;

create or replace table core.ue_cell_kpi_15min as
with samples as (
    select *, time_bucket(interval '15 minutes', measured_at) as interval_start
    from stg.ue_measurements
),
main_mode as (
    select resource_id, interval_start, network_mode
    from (select cell_id as resource_id, interval_start, network_mode,
                 row_number() over (partition by cell_id, interval_start
                                    order by count(*) desc, network_mode) as place
          from samples where network_mode is not null
          group by cell_id, interval_start, network_mode)
    where place = 1
),
measures as (
    select
        cell_id                                                     as resource_id,
        interval_start,
        count(*)                                                    as samples,
        count(distinct trace)                                       as traces,
        -- throughput per active user: only samples taken while downloading
        avg(dl_bitrate_kbps) filter (where state = 'D') / 1000.0   as dl_throughput_mbps,
        avg(ping_avg_ms)                                            as latency_ms,
        avg(ping_stdev_ms)                                          as jitter_ms,
        avg(ping_loss_pct)                                          as packet_loss_pct,
        avg(rsrp_dbm)                                               as rsrp_dbm,
        avg(rsrq_db)                                                as rsrq_db,
        avg(snr_db)                                                 as snr_db,
        avg(cqi)                                                    as cqi
    from samples
    group by all
),
final as (
    select m.*, mode.network_mode
    from measures m
    left join main_mode mode using (resource_id, interval_start)
)
select * from final
order by resource_id, interval_start;
