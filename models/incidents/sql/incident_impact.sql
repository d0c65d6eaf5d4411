-- incidents.impact_breakdown (incident × CFS type × segment × the customers' region: a
-- region filter finds every incident that touched the region, a national one included) and incidents.incident_impact
-- (one row per incident) for the incidents in incidents.scope_incidents:
-- * affected services and customers, by CFS type and segment; service-minutes;
-- * enterprise SLA exposure: VPN services with an availability SLA (slaAvailabilityPct), their
--   minutes, and how many this incident alone pushes past their monthly allowance of downtime
--   ((1 − SLA %) × 30 days);
-- * revenue: the affected customers' monthly charges (stg.customers), and at risk that times
--   `churn_prior`, an assumed chance that a customer hit by an incident leaves (replaced by
--   Σ churn probability × monthly revenue when marts.churn_scores exists:
--   incidents/impact_churn.sql);
-- * experience_drop: null here (incidents/impact_experience.sql fills it when
--   marts.service_experience_daily exists);
-- * duration: from the start to the end, or to now (`as_of`) while open, or to the estimated
--   end when stale;
-- * beside the customer impact, the network impact (incidents/incident_network.sql): the
--   resources it hurt (the access resources behind it), their minutes, and those minutes weighted by each
--   resource's usual traffic (session-minutes); `network_basis` names the weights used. It
--   ranks the queue when the warehouse knows no services (incidents/queue.sql).
delete from incidents.impact_breakdown
where incident_id in (select incident_id from incidents.scope_incidents);
delete from incidents.incident_impact
where incident_id in (select incident_id from incidents.scope_incidents);

insert into incidents.impact_breakdown
select s.incident_id, s.cfs_type, s.segment, count(*) as services,
       count(distinct s.customer_id) as customers, sum(s.impact_minutes) as service_minutes,
       coalesce(c.region, 'unknown') as region
from incidents.incident_services s
left join stg.customers c on c.customer_id = s.customer_id
where s.incident_id in (select incident_id from incidents.scope_incidents)
group by s.incident_id, s.cfs_type, s.segment, coalesce(c.region, 'unknown');

insert into incidents.incident_impact
with p as (select * from incidents.params),
sla as (
    select service_id,
           try_cast(json_extract_string(characteristics, '$.slaAvailabilityPct') as double)
               as sla_pct
    from stg.services
    where category = 'CFS'
),
services as (
    select s.*, sla.sla_pct,
           (1 - sla.sla_pct / 100) * 30 * 24 * 60 as allowed_minutes
    from incidents.incident_services s
    left join sla on sla.service_id = s.service_id
    where s.incident_id in (select incident_id from incidents.scope_incidents)
),
per_incident as (
    select incident_id,
        count(*)                                                        as affected_services,
        count(distinct customer_id)                                     as affected_customers,
        sum(impact_minutes)                                             as service_minutes,
        count(distinct customer_id) filter (where segment = 'consumer') as consumer_customers,
        count(distinct customer_id) filter (where segment = 'smb')      as smb_customers,
        count(distinct customer_id) filter (where segment = 'enterprise')
                                                                        as enterprise_customers,
        count(*) filter (where cfs_type = 'ftth')                       as ftth_services,
        count(*) filter (where cfs_type = 'iptv')                       as iptv_services,
        count(*) filter (where cfs_type = 'mobile_data')                as mobile_data_services,
        count(*) filter (where cfs_type = 'mobile_voice')               as mobile_voice_services,
        count(*) filter (where cfs_type = 'enterprise_vpn')             as enterprise_vpn_services,
        count(*) filter (where sla_pct is not null)                     as sla_services,
        coalesce(sum(impact_minutes) filter (where sla_pct is not null), 0) as sla_minutes,
        count(*) filter (where impact_minutes > allowed_minutes)        as sla_breached_services
    from services
    group by incident_id
),
network as (
    select incident_id, count(*) as network_resources, sum(minutes) as network_minutes,
           sum(network_impact) as network_impact,
           string_agg(distinct weight_basis, ', ' order by weight_basis) as network_basis
    from incidents.incident_network
    where incident_id in (select incident_id from incidents.scope_incidents)
    group by incident_id
),
revenue as (
    select c.incident_id, sum(coalesce(cu.monthly_charges_eur, 0)) as monthly_revenue_eur
    from (select distinct incident_id, customer_id from services) c
    join stg.customers cu on cu.customer_id = c.customer_id
    group by c.incident_id
)
select i.incident_id,
       coalesce(s.affected_services, 0), coalesce(s.affected_customers, 0),
       coalesce(s.service_minutes, 0),
       coalesce(s.consumer_customers, 0), coalesce(s.smb_customers, 0),
       coalesce(s.enterprise_customers, 0),
       coalesce(s.ftth_services, 0), coalesce(s.iptv_services, 0),
       coalesce(s.mobile_data_services, 0), coalesce(s.mobile_voice_services, 0),
       coalesce(s.enterprise_vpn_services, 0),
       coalesce(s.sla_services, 0), coalesce(s.sla_minutes, 0),
       coalesce(s.sla_breached_services, 0),
       coalesce(r.monthly_revenue_eur, 0),
       coalesce(r.monthly_revenue_eur, 0) * (select churn_prior from p)  as revenue_at_risk_eur,
       'prior: ' || (select churn_prior from p) || ' × monthly charges'  as revenue_basis,
       cast(null as double)                                                as experience_drop,
       date_diff('second', i.started_at, coalesce(i.ended_at, i.impact_end)) / 60.0
                                                                           as duration_minutes,
       coalesce(n.network_resources, 0), coalesce(n.network_minutes, 0),
       coalesce(n.network_impact, 0), n.network_basis
from incidents.incidents i
left join per_incident s on s.incident_id = i.incident_id
left join network n on n.incident_id = i.incident_id
left join revenue r on r.incident_id = i.incident_id
where i.incident_id in (select incident_id from incidents.scope_incidents);
