-- marts.tickets: one row per trouble ticket (TMF621-like), with the customer's segment and
-- region and how long it took to resolve. The free-text description stays with the ticket.
create or replace table marts.tickets as
select
    t.ticket_id, t.customer_id, t.service_id, t.created_at, t.resolved_at, t.status, t.channel,
    t.category, t.severity, t.description,
    c.segment, c.region,
    date_diff('minute', t.created_at, t.resolved_at) / 60.0   as hours_to_resolve
from stg.tickets t
left join stg.customers c using (customer_id)
order by t.created_at;
