-- model: marts.tickets
-- kind: whole
-- grain: ticket_id
-- not_null: ticket_id, created_at
-- inputs: stg.customers, stg.tickets
-- feeds: tickets|complaints
-- marts.tickets: one row per trouble ticket (TMF621-like), with its category's family, the
-- customer's segment and region and how long it took to resolve. Every ticket is kept, with or
-- without a known customer (a complaints export names none): region is then the area its
-- location names (the state of "City, State, Zip"). The free-text description stays with the
-- ticket. A time to resolve is never negative: ingest quarantines a ticket resolved before it
-- was created, and one an earlier version loaded as it came has none here (NULL).
--
-- family: network / billing / service / other, as models/care/categorise.py (FAMILY) says;
-- network is the shared network_ticket() of pipelines/platform/sql/macros.sql (the churn features count
-- the same tickets). A category neither knows is "other".
create schema if not exists marts;

create or replace table marts.tickets as
with located as (
    select t.*,
           nullif(trim(regexp_extract(t.location, '([^,]+),\s*[0-9]{3,5}(-[0-9]{4})?\s*$', 1)),
                  '')                                            as location_area
    from stg.tickets t
),

-- a resolved_at before created_at (another clock) is never a resolution time: ingest
-- quarantines such a ticket (sources/tickets.py); a row an earlier version loaded as it came
-- gets no resolution time here
timed as (
    select t.* exclude (resolved_at),
           case when t.resolved_at >= t.created_at then t.resolved_at end as resolved_at
    from located t
),

final as (
    select
        t.ticket_id, t.customer_id, t.service_id, t.created_at, t.resolved_at, t.status,
        t.channel, t.category,
        case
            when network_ticket(t.category)
                then 'network'
            when t.category in ('billing', 'data_cap', 'plan_change') then 'billing'
            when t.category in ('customer_service', 'relocation', 'equipment', 'home_network',
                                'follow_up') then 'service'
            else 'other'
        end                                                     as family,
        t.severity, t.description,
        c.segment,
        coalesce(c.region, t.location_area)                     as region,
        date_diff('minute', t.created_at, t.resolved_at) / 60.0 as hours_to_resolve
    from timed t
    left join stg.customers c using (customer_id)
)

select * from final
order by created_at, ticket_id;
