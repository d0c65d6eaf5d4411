-- What one incident's care protected so far ($incident_id): its row of
-- marts.incident_protection (one row per incident: small, read whole by the filter).
select customers_cared, control_customers, customers_cared_measured, care_list_customers,
       churn_avoided, churn_avoided_low, churn_avoided_high,
       revenue_protected_eur, revenue_protected_low_eur, revenue_protected_high_eur,
       restored_within_hours, protection, programmes
from incident_protection
where incident_id = $incident_id
