-- Revenue at risk from the churn model, when marts.churn_scores exists: over the distinct
-- customers an incident in incidents.scope_incidents hurt, Σ churn probability × monthly
-- revenue (replacing the prior of incidents/incident_impact.sql).
update incidents.incident_impact t
set revenue_at_risk_eur = x.at_risk, monthly_revenue_eur = x.monthly,
    revenue_basis = 'marts.churn_scores: churn probability × monthly revenue'
from (
    select c.incident_id,
           sum(coalesce(cs.churn_probability, 0) * coalesce(cs.monthly_revenue_eur, 0)) as at_risk,
           sum(coalesce(cs.monthly_revenue_eur, 0)) as monthly
    from (select distinct incident_id, customer_id from incidents.incident_services
          where incident_id in (select incident_id from incidents.scope_incidents)) c
    join marts.churn_scores cs on cs.customer_id = c.customer_id
    group by c.incident_id
) x
where t.incident_id = x.incident_id;
