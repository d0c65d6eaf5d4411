-- churn/features: one row per customer × snapshot date, for every customer in service at the
-- snapshot (a CFS started before the snapshot date and not ended by it), built only from what
-- was known before that date: the days before it (marts), tickets created before it (open or
-- not as of then), survey answers given before it, the contract and prices of the services
-- held then. "Window" is the $lookback days before the snapshot; "last week" its last 7 days,
-- compared with the window's earlier days for the trends.
-- Commercial: tenure, contract, days to the contract's renewal (terms are counted from the
-- customer's start, as the CRM holds no contract end date; 0 for month-to-month), payment, loyalty tier, services,
-- monthly revenue, and the price premium: what the customer pays against the median price of
-- customers on the same plan (same CFS type, segment and plan characteristics: speed tier,
-- data allowance, SLA tier; services whose plan the inventory does not identify are left out).
-- Experience (marts.customer_daily: a customer-day is as bad as their worst service): poor
-- days, mean experience index and its change in the last week, fault hours, outages (a stretch
-- of service-affecting fault that does not continue one from the day before); the same split
-- into faults shared network-wide (shared_fault_hours: their resource hit at least
-- $shared_from of the services in service that day) and the customer's own outages (faults
-- on their own access path that they felt: at least $felt_from of their sessions failed that
-- day, or none were measured): hours, hours in the last week, outages, the longest, hours
-- since the last ended (the window's length when none). Care: tickets
-- about the network and other tickets opened in the window, both kinds still unresolved at the
-- snapshot (a follow-up chasing an open ticket is neither: it is a repeat contact), repeat
-- tickets (opened while an earlier one was still open). Usage trend (successful sessions per day, last week against the days before), the
-- last survey score. Context for the wording of reasons: the service type most often poor and
-- its usual driver, the service type with the most outages.
-- Parameters: $snapshots (date[]), $lookback (days), $shared_from and $felt_from (shares).
with snapshots as (
    select unnest($snapshots::date[]) as snapshot_date
),
services as (
    select c.service_id, c.customer_id, c.cfs_type, c.start_date, c.end_date,
           c.monthly_price_eur,
           concat_ws(':', c.cfs_type, c.segment, cast(c.plan_download_mbps as varchar),
                     json_extract_string(s.characteristics, '$.dataAllowanceGb'), c.sla_tier)
                                                                        as plan_key,
           coalesce(cast(c.plan_download_mbps as varchar),
                    json_extract_string(s.characteristics, '$.dataAllowanceGb'),
                    c.sla_tier) is not null                             as plan_identified
    from core.cfs c
    left join stg.services s using (service_id)
    where c.customer_id is not null
),
active as (
    select n.snapshot_date, v.*
    from snapshots n
    join services v
      on coalesce(v.start_date, n.snapshot_date - 1) < n.snapshot_date
     and (v.end_date is null or v.end_date >= n.snapshot_date)
),
plan_prices as (
    select snapshot_date, plan_key, median(monthly_price_eur) as plan_median_eur
    from active
    where plan_identified and monthly_price_eur is not null
    group by all
),
commercial as (
    select a.snapshot_date, a.customer_id,
           count(*)                                                     as services_active,
           sum(coalesce(a.monthly_price_eur, 0))                        as monthly_revenue_eur,
           100 * sum(a.monthly_price_eur - p.plan_median_eur)
               / nullif(sum(p.plan_median_eur), 0)                      as price_premium_pct
    from active a
    left join plan_prices p
      on p.snapshot_date = a.snapshot_date and p.plan_key = a.plan_key and a.plan_identified
    group by all
),
customers as (
    select customer_id,
           any_value(segment)                                           as segment,
           any_value(region)                                            as region,
           any_value(contract_type)                                     as contract_type,
           any_value(payment_method)                                    as payment_method,
           any_value(customer_since)                                    as customer_since,
           any_value(json_extract_string(extra_attributes, '$.loyalty_tier'))
                                                                        as loyalty_tier
    from stg.customers
    group by customer_id
),
window_days as (
    select n.snapshot_date, d.customer_id, d.poor, d.sei_worst, d.worst_outage_minutes,
           d.sessions - d.session_failures                              as good_sessions,
           d.date >= n.snapshot_date - 7                                as last_week
    from snapshots n
    join marts.customer_daily d
      on d.date >= n.snapshot_date - $lookback::integer and d.date < n.snapshot_date
),
experience as (
    select snapshot_date, customer_id,
           count(*)                                                     as days_observed,
           count(*) filter (where poor)                                 as poor_days,
           count(*) filter (where poor and last_week)                   as poor_days_7d,
           avg(sei_worst)                                               as sei_mean,
           avg(sei_worst) filter (where last_week)
               - avg(sei_worst) filter (where not last_week)            as sei_change_7d,
           coalesce(sum(worst_outage_minutes), 0) / 60.0                as fault_hours,
           100 * (avg(good_sessions) filter (where last_week)
                  / nullif(avg(good_sessions) filter (where not last_week), 0) - 1)
                                                                        as usage_change_7d_pct
    from window_days
    group by all
),
poor_service_days as (
    select n.snapshot_date, e.customer_id, e.cfs_type, e.driver
    from snapshots n
    join marts.service_experience_daily e
      on e.date >= n.snapshot_date - $lookback::integer and e.date < n.snapshot_date
    where e.poor
),
poor_counts as (
    select snapshot_date, customer_id, cfs_type, driver, count(*) as n
    from poor_service_days
    group by all
),
poor_service as (
    select snapshot_date, customer_id, first(cfs_type order by n desc, cfs_type) as poor_service
    from (select snapshot_date, customer_id, cfs_type, sum(n) as n from poor_counts group by all)
    group by all
),
poor_driver as (
    select c.snapshot_date, c.customer_id,
           first(c.driver order by c.n desc, c.driver)                  as poor_driver
    from poor_counts c
    join poor_service p
      on p.snapshot_date = c.snapshot_date and p.customer_id = c.customer_id
     and p.poor_service = c.cfs_type
    where c.driver is not null
    group by all
),
stretches as (
    select service_id, date,
           coalesce(lag(ends) over (partition by service_id order by starts) < starts, true)
                                                                        as new_outage
    from core.service_fault_intervals
),
outages_by_service as (
    select n.snapshot_date, c.customer_id, c.cfs_type, st.service_id,
           count(*) filter (where st.new_outage)                        as outages
    from snapshots n
    join stretches st
      on st.date >= n.snapshot_date - $lookback::integer and st.date < n.snapshot_date
    join core.cfs c on c.service_id = st.service_id
    group by all
),
outages as (
    select snapshot_date, customer_id, max(outages) as outages,
           first(cfs_type order by outages desc, cfs_type)              as outage_service
    from outages_by_service
    group by all
),
-- own faults and shared ones: how widely each fault was shared is the share of the services in
-- service that day that the resource whose alarm began it (first_resource_id; the service
-- itself when unknown) hit. A fault that hit at least $shared_from of them (a DNS pool, a core
-- router: everyone's outage) is shared; the rest (a cell, a PON port, an OLT: a part of the
-- base) are faults on the customer's own access path. Derived from the data, not from
-- resource kinds, as topologies differ.
fault_span as (
    select min(snapshot_date) - $lookback::integer as lo, max(snapshot_date) as hi
    from snapshots
),
fault_pieces as (
    select f.service_id, f.date, f.starts, f.ends,
           coalesce(f.first_resource_id, f.service_id)                  as origin,
           date_diff('second', f.starts, f.ends) / 3600.0               as hours
    from core.service_fault_intervals f, fault_span w
    where f.date >= w.lo and f.date < w.hi
),
in_service as (
    select d.date, count(*) as services
    from (select distinct date from fault_pieces) d
    join core.cfs c
      on coalesce(c.start_date, d.date) <= d.date
     and coalesce(c.end_date, date '9999-12-31') >= d.date
    group by all
),
fault_reach as (
    select p.date, p.origin,
           count(distinct p.service_id) / any_value(i.services)         as reach
    from fault_pieces p
    join in_service i using (date)
    group by all
),
reached as (
    select p.*, r.reach >= $shared_from::double                         as shared
    from fault_pieces p
    join fault_reach r using (date, origin)
),
felt as (   -- own faults the customer felt: on that day at least $felt_from of their
            -- sessions failed (a fault that only degraded the service, or that protection
            -- absorbed, leaves their sessions working); a day without sessions measured (no
            -- usage feed, or nothing got through) cannot refute it and counts as felt
    select p.service_id, p.date, p.starts, p.ends, p.hours
    from reached p
    join core.cfs c on c.service_id = p.service_id
    left join marts.customer_daily d on d.customer_id = c.customer_id and d.date = p.date
    where not p.shared
      and (d.sessions is null or d.sessions = 0
           or coalesce(d.session_failures, 0) >= $felt_from::double * d.sessions)
),
own_stretches as (   -- a stretch that does not continue the one before starts a new outage
    select service_id, date, starts, ends, hours,
           coalesce(lag(ends) over (partition by service_id order by starts) < starts, true)
                                                                        as new_outage
    from felt
),
own_pieces as (      -- numbered outages per service
    select *, sum(case when new_outage then 1 else 0 end)
                  over (partition by service_id order by starts)        as outage_no
    from own_stretches
),
own_outages_by_service as (   -- per snapshot, service and outage: its hours in the window
    select n.snapshot_date, o.service_id, o.outage_no,
           sum(o.hours)                                                 as hours,
           sum(o.hours) filter (where o.date >= n.snapshot_date - 7)    as hours_7d,
           max(o.ends)                                                  as ends
    from snapshots n
    join own_pieces o
      on o.date >= n.snapshot_date - $lookback::integer and o.date < n.snapshot_date
    group by all
),
own_by_service as (
    select o.snapshot_date, c.customer_id, c.cfs_type, o.service_id,
           sum(o.hours)                                                 as own_hours,
           coalesce(sum(o.hours_7d), 0)                                 as own_hours_7d,
           count(*)                                                     as own_outages,
           max(o.hours)                                                 as longest_hours,
           max(o.ends)                                                  as last_end
    from own_outages_by_service o
    join core.cfs c on c.service_id = o.service_id
    group by all
),
own_faults as (   -- per customer, their worst service (as for a customer-day)
    select snapshot_date, customer_id,
           max(own_hours)                                               as own_fault_hours,
           max(own_hours_7d)                                            as own_fault_hours_7d,
           max(own_outages)                                             as own_outages,
           max(longest_hours)                                           as longest_own_outage_hours,
           max(last_end)                                                as last_own_end,
           first(cfs_type order by own_hours desc, cfs_type)            as own_outage_service
    from own_by_service
    group by all
),
shared_faults as (
    select snapshot_date, customer_id, max(hours) as shared_fault_hours
    from (select n.snapshot_date, c.customer_id, s.service_id, sum(s.hours) as hours
          from snapshots n
          join reached s
            on s.date >= n.snapshot_date - $lookback::integer and s.date < n.snapshot_date
          join core.cfs c on c.service_id = s.service_id
          where s.shared
          group by all)
    group by all
),
raw_tickets as (
    select ticket_id, customer_id, service_id, created_at, resolved_at, category,
           network_ticket(category)                                     as network_category
    from stg.tickets
    where customer_id is not null and created_at is not null
),
tickets as (
    -- kind: 'network', a complaint about the service (network_ticket,
    -- pipelines/platform/sql/macros.sql, as marts/customer_daily.sql counts them); 'follow_up',
    -- a contact chasing a ticket already open, which is no new complaint (the repeat contacts
    -- count it: a complaint chased eight times is one network complaint and eight repeat
    -- contacts, a failure of care rather than of the network); 'other': billing, plan, moves …
    select t.ticket_id, t.customer_id, t.created_at, t.resolved_at,
           case when t.network_category then 'network'
                when t.category = 'follow_up' then 'follow_up'
                else 'other' end                                        as kind
    from raw_tickets t
),
ticket_counts as (
    select n.snapshot_date, t.customer_id,
           count(*) filter (where t.kind = 'network' and t.created_at >= n.snapshot_date
                                                          - $lookback::integer)
                                                                        as network_tickets,
           count(*) filter (where t.kind = 'other' and t.created_at >= n.snapshot_date
                                                        - $lookback::integer)
                                                                        as other_tickets,
           count(*) filter (where t.kind = 'network' and (t.resolved_at is null
                                                          or t.resolved_at >= n.snapshot_date))
                                                                        as unresolved_network_tickets,
           count(*) filter (where t.kind = 'other' and (t.resolved_at is null
                                                        or t.resolved_at >= n.snapshot_date))
                                                                        as unresolved_other_tickets
    from snapshots n
    join tickets t on t.created_at < n.snapshot_date
    group by all
),
repeat_tickets as (
    select n.snapshot_date, t.customer_id, count(distinct t.ticket_id) as repeat_tickets
    from snapshots n
    join tickets t
      on t.created_at >= n.snapshot_date - $lookback::integer and t.created_at < n.snapshot_date
    join tickets e
      on e.customer_id = t.customer_id and e.ticket_id <> t.ticket_id
     and e.created_at < t.created_at
     and (e.resolved_at is null or e.resolved_at > t.created_at)
    group by all
),
surveys as (
    select n.snapshot_date, v.customer_id, arg_max(v.score, v.responded_at) as survey_score
    from snapshots n
    join stg.surveys v on v.responded_at < n.snapshot_date
    group by all
)
select
    m.snapshot_date,
    m.customer_id,
    c.segment,
    c.region,
    c.contract_type,
    c.payment_method,
    c.loyalty_tier,
    date_diff('day', c.customer_since, m.snapshot_date)                  as tenure_days,
    case when c.contract_type = 'month-to-month' then 0
         else case c.contract_type when 'one_year' then 365 when 'two_year' then 730 end
              - date_diff('day', c.customer_since, m.snapshot_date)
                % case c.contract_type when 'one_year' then 365 when 'two_year' then 730 end
    end                                                                 as days_to_renewal,
    m.services_active,
    m.monthly_revenue_eur,
    m.price_premium_pct,
    coalesce(x.poor_days, 0)                                            as poor_days,
    coalesce(x.poor_days_7d, 0)                                         as poor_days_7d,
    x.sei_mean,
    x.sei_change_7d,
    coalesce(x.fault_hours, 0)                                          as fault_hours,
    coalesce(o.outages, 0)                                              as outages,
    coalesce(f.own_fault_hours, 0)                                      as own_fault_hours,
    coalesce(f.own_fault_hours_7d, 0)                                   as own_fault_hours_7d,
    coalesce(f.own_outages, 0)                                          as own_outages,
    coalesce(f.longest_own_outage_hours, 0)                             as longest_own_outage_hours,
    least(coalesce(date_diff('minute', f.last_own_end, cast(m.snapshot_date as timestamp))
                   / 60.0, 24 * $lookback::integer), 24 * $lookback::integer)
                                                                        as hours_since_own_outage,
    coalesce(g.shared_fault_hours, 0)                                   as shared_fault_hours,
    coalesce(k.network_tickets, 0)                                      as network_tickets,
    coalesce(k.other_tickets, 0)                                        as other_tickets,
    coalesce(k.unresolved_network_tickets, 0)                           as unresolved_network_tickets,
    coalesce(k.unresolved_other_tickets, 0)                             as unresolved_other_tickets,
    coalesce(r.repeat_tickets, 0)                                       as repeat_tickets,
    x.usage_change_7d_pct,
    v.survey_score,
    coalesce(x.days_observed, 0)                                        as days_observed,
    ps.poor_service,
    pd.poor_driver,
    o.outage_service,
    f.own_outage_service
from commercial m
left join customers c on c.customer_id = m.customer_id
left join experience x on x.snapshot_date = m.snapshot_date and x.customer_id = m.customer_id
left join outages o on o.snapshot_date = m.snapshot_date and o.customer_id = m.customer_id
left join own_faults f on f.snapshot_date = m.snapshot_date and f.customer_id = m.customer_id
left join shared_faults g
       on g.snapshot_date = m.snapshot_date and g.customer_id = m.customer_id
left join ticket_counts k on k.snapshot_date = m.snapshot_date and k.customer_id = m.customer_id
left join repeat_tickets r on r.snapshot_date = m.snapshot_date and r.customer_id = m.customer_id
left join surveys v on v.snapshot_date = m.snapshot_date and v.customer_id = m.customer_id
left join poor_service ps on ps.snapshot_date = m.snapshot_date and ps.customer_id = m.customer_id
left join poor_driver pd on pd.snapshot_date = m.snapshot_date and pd.customer_id = m.customer_id
order by m.snapshot_date, m.customer_id
