-- The filter bar's choices: the snapshot's date range and the regions, segments and service
-- types it holds (one row).
select min(date)                              as first_date,
       max(date)                              as last_date,
       list_sort(list(distinct region))       as regions,
       list_sort(list(distinct segment))      as segments,
       list_sort(list(distinct cfs_type))     as cfs_types
from kpi_daily
