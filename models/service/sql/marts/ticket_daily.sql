-- model: marts.ticket_daily
-- kind: whole
-- grain: date, family, category, region, segment, channel, status
-- not_null: date, family
-- inputs: marts.tickets
-- feeds: tickets|complaints
-- marts.ticket_daily: one row per UTC day (of creation) × family × category × region × segment
-- × channel × status: the tickets opened, how many are resolved, and their time to resolve as
-- sums and counts, so that any roll-up is a ratio of sums (mean hours = minutes_to_resolve_sum /
-- timed_tickets / 60). Built from marts.tickets, so tickets with no known customer (a complaints
-- export) count too; region is the customer's, else the ticket location's area; segment is
-- the customer's; a key the ticket does not carry stays NULL.
create schema if not exists marts;

create or replace table marts.ticket_daily as
with tickets as (
    select cast(created_at as date)                                     as date,
           family, category, region, segment, channel, status, resolved_at, hours_to_resolve,
           date_diff('minute', created_at, resolved_at)                 as minutes_to_resolve,
           status in ('resolved', 'closed') or resolved_at is not null  as is_resolved
    from marts.tickets
),

final as (
    select date, family, category, region, segment, channel, status,
           count(*)                                                     as tickets,
           count(*) filter (where is_resolved)                          as resolved_tickets,
           count(*) filter (where not is_resolved
                            and status not in ('cancelled', 'rejected'))  as open_tickets,
           count(hours_to_resolve)                                      as timed_tickets,
           -- whole minutes, so no total depends on the order of summation
           cast(coalesce(sum(minutes_to_resolve), 0) as bigint)         as minutes_to_resolve_sum,
           count(*) filter (where hours_to_resolve <= 24)               as resolved_within_24h
    from tickets
    group by all
)

select * from final
order by date, family, category, region, segment, channel, status;
