-- stg.kpi_extra: one row per resource per 15-minute interval per extra counter — the numeric
-- columns of a PM export that its dialect's mapping does not map onto a warehouse counter
-- (kept, not dropped: `extra_counters: keep`). A view over stg.kpi_15min.extra_counters (a
-- JSON object per row), so it follows every load, correction and release of its rows.
create or replace view stg.kpi_extra as
select
    k.resource_id,
    k.interval_start,
    k.vendor,
    e.key                                   as counter,
    try_cast(e.value as double)             as value
from stg.kpi_15min k, json_each(k.extra_counters) e
where k.extra_counters is not null
  and e.type <> 'NULL';
