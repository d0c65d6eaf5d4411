-- The filter bar's choices: the snapshot's date range and the regions, segments and service
-- types it holds (one row). The range is the customer KPIs' days; a snapshot without them
-- (network-only or measurement-only feeds) takes the days of whatever it holds
-- (snapshot_info), and one with no dated data at all, today.
with kpi as (
    select min(date)                              as first_date,
           max(date)                              as last_date,
           list_sort(list(distinct region))       as regions,
           list_sort(list(distinct segment))      as segments,
           list_sort(list(distinct cfs_type))     as cfs_types
    from kpi_daily
),
held as (
    select min(first_date) as first_date, max(last_date) as last_date from snapshot_info
)
select coalesce(kpi.first_date, held.first_date, current_date) as first_date,
       coalesce(kpi.last_date, held.last_date, current_date)   as last_date,
       kpi.regions, kpi.segments, kpi.cfs_types
from kpi, held
