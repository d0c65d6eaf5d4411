-- model: core.resource_ancestors
-- kind: whole
-- grain: resource_id, ancestor_id
-- not_null: resource_id, ancestor_id
-- inputs: core.resources, stg.resource_links
-- feeds: topology|kpis
-- core.resource_ancestors: one row per resource × every resource it depends on, itself included
-- (depth 0), walking resource_links upwards. `protected` says whether the ancestor can fail alone
-- without taking the resource down: true when every way up to it crosses a redundant edge (a
-- parent in a protection group: 1+1 OLT uplinks, core pairs). So an alarm on an aggregation
-- router reaches every PON port and cell behind it, and a 1+1 uplink failing alone reaches none.
create schema if not exists core;

create or replace table core.resource_ancestors as
with recursive edges as (
    select resource_id, depends_on_id, protection_group from stg.resource_links
),
walk(resource_id, ancestor_id, depth, protected) as (
    select resource_id, resource_id, 0, false from core.resources
    union all                                -- final dedupes; union all is what Spark runs
    select w.resource_id, e.depends_on_id, w.depth + 1,
           w.protected or e.protection_group is not null
    from walk w
    join edges e on e.resource_id = w.ancestor_id
    where w.depth < 16                       -- a guard against cycles in a bad feed
),
final as (
    select
        resource_id,
        ancestor_id,
        min(depth)        as depth,
        bool_and(protected) as protected     -- one unprotected way up is enough to be exposed
    from walk
    group by resource_id, ancestor_id
)
select * from final
order by resource_id, depth, ancestor_id;
