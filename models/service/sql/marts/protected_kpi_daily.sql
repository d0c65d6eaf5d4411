-- model: marts.protected_kpi_daily
-- kind: whole
-- grain: date, incident_id, region, segment
-- not_null: date, incident_id, region, segment
-- inputs: core.actions, incidents.incidents, incidents.care_list, marts.programme_outcomes
-- feeds: actions, alarms|kpis
-- marts.protected_kpi_daily: what care after incidents protected, per day an incident started ×
-- incident × the cared-for customers' region and segment: the customers cared for (treated)
-- and held out (control), those whose programme has a measured effect, and the sums of churn
-- avoided and monthly revenue protected with their 95 % bounds. The registry's "revenue
-- protected" and "churn avoided by care" (pipelines/platform/metrics.py) are these sums over a
-- selection; marts.incident_protection adds them up per incident. Small (a few rows per
-- incident): the Overview's filters read it.
--
-- Care programmes: those that follow up faults (the service-recovery credit after an outage,
-- the proactive care call after a poor day) and every recorded care-list export (programme
-- 'care:…'). An action follows an incident when its customer is on the incident's care list
-- and either it names the incident (`reason`, as a recorded care-list export does) or it was
-- sent between the day the incident started and two days after it ended; of several such
-- incidents, the one it names, else the latest started.
--
-- The effect: the programme's measured churn effect over all its customers
-- (marts.programme_outcomes, breakdown 'all'), at the longest follow-up window whose groups are
-- large enough to tell ("fewer left", "more left" or "no clear effect": its point estimate and
-- 95 % interval are used as they are, a care that did nothing counts for nothing, one that
-- backfired counts against). A programme with no such window (only "too few to tell", or not
-- followed for 30 days yet) is 'not measured': its actions carry no churn avoided (NULL, never
-- an invented effect or 0).
--   churn_avoided          = − churn effect (treated rate − control rate), per treated customer
--   churn_avoided_low/high = − the interval's high/low bound
--   revenue_protected_eur  = churn_avoided × the customer's monthly charges: the monthly revenue
--                            (€ a month, like revenue at risk) the care kept on the books.
-- Control customers were sent nothing: they protect nothing and are only counted. A group
-- whose care is not measured has NULL sums, never 0, so a selection with nothing measured
-- reads as not measured.
-- It reads the incident models and the outcomes step, so it is built when the job publishes
-- (models/graph.py, STAGE_TABLES), and only while they exist (no actions feed: not built).
create schema if not exists marts;

create or replace table marts.protected_kpi_daily as
with care as (
    select action_id, customer_id, action_date, programme, reason, arm, segment, region,
           monthly_charges_eur
    from core.actions
    where programme in ('service_recovery_credit', 'proactive_care_call')
       or programme like 'care:%'
),
followed as (
    select a.*, i.incident_id, i.started_at,
           row_number() over (partition by a.action_id
                              order by case when a.reason = i.incident_id then 0 else 1 end,
                                       i.started_at desc, i.incident_id) as pick
    from care a
    join incidents.care_list c on c.customer_id = a.customer_id
    join incidents.incidents i on i.incident_id = c.incident_id
    where a.reason = i.incident_id
       or (a.action_date >= cast(i.started_at as date)
           and a.action_date <= date_add(cast(coalesce(i.ended_at, i.started_at) as date),
                                         interval 2 day))
),
windows as (
    select programme, window_days, verdict, churn_effect, churn_effect_low, churn_effect_high,
           row_number() over (partition by programme order by window_days desc) as longest
    from marts.programme_outcomes
    where breakdown = 'all' and verdict <> 'too few to tell'
),
measured as (
    select * from windows where longest = 1
),
final as (
    select f.incident_id, cast(f.started_at as date) as incident_date, f.programme, f.arm,
           coalesce(f.segment, 'unknown') as segment, coalesce(f.region, 'unknown') as region,
           f.monthly_charges_eur,
           case when f.arm = 'treated' then -m.churn_effect end       as churn_avoided,
           case when f.arm = 'treated' then -m.churn_effect_high end  as churn_avoided_low,
           case when f.arm = 'treated' then -m.churn_effect_low end   as churn_avoided_high
    from followed f
    left join measured m on m.programme = f.programme
    where f.pick = 1
)
select incident_date                                        as date,
       incident_id,
       region,
       segment,
       count(*) filter (where arm = 'treated')              as customers_cared,
       count(*) filter (where arm = 'control')              as control_customers,
       count(churn_avoided)                                 as customers_cared_measured,
       sum(churn_avoided)                                   as churn_avoided,
       sum(churn_avoided_low)                               as churn_avoided_low,
       sum(churn_avoided_high)                              as churn_avoided_high,
       sum(churn_avoided * monthly_charges_eur)             as revenue_protected_eur,
       sum(churn_avoided_low * monthly_charges_eur)         as revenue_protected_low_eur,
       sum(churn_avoided_high * monthly_charges_eur)        as revenue_protected_high_eur,
       string_agg(distinct programme, ', ' order by programme)
           filter (where arm = 'treated')                   as programmes
from final
group by incident_date, incident_id, region, segment
order by date, incident_id, region, segment;
