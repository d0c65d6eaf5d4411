-- incidents.incident_services: one row per incident in incidents.scope_incidents × CFS it hurt,
-- with the minutes (overlapping stretches count once). The rules are those of
-- core.service_fault_intervals, applied per incident to its windows (incidents.incident_windows):
-- * a window on something the service depends on without protection (core.cfs_resources:
--   not through a redundant edge or a redundant RFS binding, not only through serving cells);
-- * a window on a cell, or above cells (a site, its backhaul), reaches a mobile service when
--   the cells behind it carry at least `cell_share_min` of the service's traffic that day
--   (core.service_access_shares; the threshold from incidents.params, the same Params field
--   the marts read from core.impact_params);
-- * windows on the members of a redundant pool (n-of-m, 1+1; core.redundant_pools) take the
--   pool down while more than members − minUp of them overlap, and with it every service using
--   the pool: the macro pool_outages (pipelines/platform/sql/macros.sql), the marts' own rule.
-- Only services in service at the time count (core.cfs start and end dates).
-- The rules are written once, in the macro services_hurt (pipelines/platform/sql/macros.sql),
-- which the planned-work projection (models/whatif) applies to windows that have not happened.
delete from incidents.incident_services
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.incident_services
with p as (select * from incidents.params),
w as (   -- an incident's windows count together; two alarms of one resource over the same
          -- stretch are one window (else the cell-share rule would add its cells' shares twice)
    select distinct incident_id as group_key, resource_id, starts, ends,
           cast(null as date) as shares_date   -- the shares of each day the window covers
    from incidents.incident_windows
    where incident_id in (select incident_id from incidents.scope_incidents) and ends > starts
)
select group_key as incident_id, service_id, customer_id, cfs_type, segment, via,
       impact_minutes, first_at, last_at
from services_hurt('w', 'p');
