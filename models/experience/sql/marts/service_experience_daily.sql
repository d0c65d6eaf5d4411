-- model: marts.service_experience_daily
-- kind: partitioned
-- grain: service_id, date
-- not_null: service_id, date
-- inputs: marts.service_daily
-- feeds: services, catalog, kpis
-- python: experience.sei
-- The service-days in _scope with what the Service Experience Index is computed from
-- (models/experience/sei.py scores them in Python: the E-model and the QoE laws).
select * from marts.service_daily where date in (select date from _scope)
