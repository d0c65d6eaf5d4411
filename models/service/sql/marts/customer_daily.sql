-- model: marts.customer_daily
-- kind: partitioned
-- grain: customer_id, date
-- not_null: customer_id, date
-- inputs: core.cfs, marts.service_daily, marts.service_experience_daily, stg.customers,
--     stg.surveys, stg.tickets
-- feeds: customers, services, catalog, kpis|usage
-- marts.customer_daily: one row per customer per UTC day with at least one service in service:
-- their services rolled up (a customer's day is as bad as their worst service: the lowest
-- experience index, the longest fault on any of them), their usage, the tickets they raised,
-- their survey answers, and what they pay per month for the services active that day.
-- Partitioned by `date`. Its GROUP BY is the cost (a group per customer-day): it keeps to
-- the columns it sums, and the customer's segment and region are joined after it.
with services as (
    select sd.date, sd.service_id, sd.customer_id, sd.cfs_type, sd.outage_minutes,
           sd.data_volume_mb, sd.voice_minutes, sd.sessions, sd.session_failures,
           c.monthly_price_eur, e.sei, e.poor, e.driver_text
    from marts.service_daily sd
    join core.cfs c using (service_id)
    left join (
        select service_id, date, sei, poor, driver_text from marts.service_experience_daily
        where date in (select date from _scope)
    ) e using (service_id, date)
    where sd.date in (select date from _scope)
),
per_customer as (
    select
        date, customer_id,
        count(*)                                             as services_active,
        -- the service types as text (chr(31), the unit separator, between them) made a list
        -- once per distinct text below: a list per customer-day cost a fifth of this model
        string_agg(cfs_type, chr(31))                        as cfs_type_text,
        max(outage_minutes)                                  as worst_outage_minutes,
        sum(outage_minutes)                                  as outage_service_minutes,
        count(*) filter (where outage_minutes > 0)           as services_with_fault,
        sum(data_volume_mb)                                  as data_volume_mb,
        sum(voice_minutes)                                   as voice_minutes,
        cast(sum(sessions) as bigint)                                        as sessions,
        cast(sum(session_failures) as bigint)                                as session_failures,
        sum(coalesce(monthly_price_eur, 0))                  as monthly_revenue_eur,
        min(sei)                                             as sei_worst,
        avg(sei)                                             as sei_mean,
        coalesce(bool_or(poor), false)                       as poor,
        -- the worst-scored service's type and reason (one service: a tie goes to the smallest
        -- service id, on every engine)
        arg_min({'cfs_type': cfs_type, 'reason': driver_text},
                (coalesce(sei, 101), service_id))            as worst
    from services
    group by all
),
type_sets as (
    select cfs_type_text,
           list_sort(list_distinct(string_split(cfs_type_text, chr(31)))) as cfs_types
    from (select distinct cfs_type_text from per_customer)
),
tickets as (
    select customer_id, cast(created_at as date) as date, count(*) as tickets_opened,
           count(*) filter (where network_ticket(category))   as network_tickets_opened
    from stg.tickets
    where cast(created_at as date) in (select date from _scope)
    group by all
),
surveys as (
    select customer_id, cast(responded_at as date) as date,
           count(*) as survey_responses, avg(score) as survey_score
    from stg.surveys
    where cast(responded_at as date) in (select date from _scope)
    group by all
)
select
    -- segment and region as core.cfs gives them to each of the customer's services
    p.date, p.customer_id, coalesce(c.segment, 'unknown') as segment,
    coalesce(c.region, 'unknown') as region, c.contract_type,
    p.services_active, coalesce(ts.cfs_types, cast([] as varchar[])) as cfs_types,
    p.worst_outage_minutes, p.outage_service_minutes,
    p.services_with_fault, p.data_volume_mb, p.voice_minutes, p.sessions, p.session_failures,
    p.monthly_revenue_eur, p.sei_worst, p.sei_mean, p.poor,
    p.worst.cfs_type                                 as worst_cfs_type,
    p.worst.reason                                   as worst_reason,
    coalesce(t.tickets_opened, 0)                    as tickets_opened,
    coalesce(t.network_tickets_opened, 0)            as network_tickets_opened,
    coalesce(s.survey_responses, 0)                  as survey_responses,
    s.survey_score
from per_customer p
left join type_sets ts using (cfs_type_text)
left join stg.customers c using (customer_id)
left join tickets t on t.customer_id = p.customer_id and t.date = p.date
left join surveys s on s.customer_id = p.customer_id and s.date = p.date
