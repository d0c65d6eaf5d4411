-- One row per incident kind: the service-days the ground truth says alarmed incidents of that
-- kind degraded, and how many of them core.service_fault_days found.
with truth as (
    select distinct i.kind, s.service_id, s.date
    from read_parquet($incident_services) s
    join read_csv($incidents) i using (incident_id)
    where i.alarmed
),
found as (
    select service_id, date from core.service_fault_days where fault_minutes > 0
)
select t.kind, count(*) as truth_days, count(f.service_id) as hits
from truth t
left join found f using (service_id, date)
group by t.kind
order by t.kind
