-- The distinct service-days alarmed incidents truly degraded, those core.service_fault_days
-- marks, and their overlap (a service-day hit by two incidents counts once).
with truth as (
    select distinct s.service_id, s.date
    from read_parquet($incident_services) s
    join read_csv($incidents) i using (incident_id)
    where i.alarmed
),
found as (
    select distinct service_id, date from core.service_fault_days where fault_minutes > 0
)
select
    (select count(*) from truth)                                  as truth_days,
    (select count(*) from found)                                  as found_days,
    (select count(*) from found join truth using (service_id, date)) as hits
