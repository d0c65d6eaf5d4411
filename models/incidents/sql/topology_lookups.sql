-- Lookups the incident models read on every refresh that depend only on the topology, the
-- services and the counters (tables `cxbridge run` rebuilds, and with them every incident:
-- a full build), built once per full build instead of in every refresh's queries:
-- * incidents.resource_pairs: the pairs of resources whose episodes may be peers
--   (incidents/episode_links.sql): one resource with itself (same_resource), the members of
--   one redundant service binding (pool), two resources with the same parent (sibling);
-- * incidents.usual_traffic, usual_type_traffic: each resource's usual traffic over all its
--   data, and its type's mean (incidents/incident_network.sql: the fallback weight when a
--   resource reported nothing the week before an incident).
create or replace table incidents.resource_pairs as
select resource_id as a_id, resource_id as b_id, 'same_resource' as relation
from core.resources
union all
select distinct b1.resource_id, b2.resource_id, 'pool'
from stg.service_resources b1
join stg.service_resources b2
  on b2.service_id = b1.service_id and b2.resource_id <> b1.resource_id
join stg.services s on s.service_id = b1.service_id
join stg.catalog_specs c on c.spec_id = s.spec_id
where c.redundancy_mode <> 'none'
union all
select distinct l1.resource_id, l2.resource_id, 'sibling'
from stg.resource_links l1
join stg.resource_links l2
  on l2.depends_on_id = l1.depends_on_id and l2.resource_id <> l1.resource_id;

create or replace table incidents.usual_traffic as
select h.resource_id, r.resource_type,
       sum(h.sessions) / nullif(sum(h.intervals_reported)
                                filter (where h.sessions is not null), 0) as sessions,
       sum(h.throughput_mbps_sum) / nullif(sum(h.throughput_n), 0)        as throughput
from core.resource_hourly h
join core.resources r on r.resource_id = h.resource_id
group by h.resource_id, r.resource_type;

create or replace table incidents.usual_type_traffic as
select resource_type, avg(sessions) as sessions, avg(throughput) as throughput
from incidents.usual_traffic
group by resource_type;
