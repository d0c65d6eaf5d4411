-- model: marts.customer_daily
-- kind: partitioned
-- grain: customer_id, date
-- not_null: customer_id, date
-- inputs: core.cfs, marts.service_daily, marts.service_experience_daily, stg.customers,
--     stg.surveys, stg.tickets
-- feeds: customers, services, catalog, kpis
-- marts.customer_daily: one row per customer per UTC day with at least one service in service:
-- their services rolled up (a customer's day is as bad as their worst service: the lowest
-- experience index, the longest fault on any of them), their usage, the tickets they raised,
-- their survey answers, and what they pay per month for the services active that day.
-- Partitioned by `date`.
with services as (
    select sd.*, c.monthly_price_eur, e.sei, e.poor, e.driver_text
    from marts.service_daily sd
    join core.cfs c using (service_id)
    left join marts.service_experience_daily e using (service_id, date)
    where sd.date in (select date from _scope)
),
per_customer as (
    select
        date, customer_id,
        any_value(segment)                                   as segment,
        any_value(region)                                    as region,
        count(*)                                             as services_active,
        list_sort(list_distinct(list(cfs_type)))             as cfs_types,
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
        -- the worst-scored service; a tie goes to the smallest service id, on every engine
        arg_min(cfs_type, (coalesce(sei, 101), service_id))       as worst_cfs_type,
        arg_min(driver_text, (coalesce(sei, 101), service_id))    as worst_reason
    from services
    group by all
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
    p.date, p.customer_id, p.segment, p.region, c.contract_type,
    p.services_active, p.cfs_types, p.worst_outage_minutes, p.outage_service_minutes,
    p.services_with_fault, p.data_volume_mb, p.voice_minutes, p.sessions, p.session_failures,
    p.monthly_revenue_eur, p.sei_worst, p.sei_mean, p.poor, p.worst_cfs_type, p.worst_reason,
    coalesce(t.tickets_opened, 0)                    as tickets_opened,
    coalesce(t.network_tickets_opened, 0)            as network_tickets_opened,
    coalesce(s.survey_responses, 0)                  as survey_responses,
    s.survey_score
from per_customer p
left join stg.customers c using (customer_id)
left join tickets t on t.customer_id = p.customer_id and t.date = p.date
left join surveys s on s.customer_id = p.customer_id and s.date = p.date
