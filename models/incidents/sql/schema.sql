-- The incident tables (schema `incidents`), created empty for a full build. Grain of each:
--   params            one row: the model's tunables and `as_of`, the instant "now" is taken to be
--   alarm_state       one row per alarm as last processed (a fingerprint of its lifecycle), so a
--                     refresh can tell which alarms a new batch of events changed
--   alarm_episodes    one row per alarm: the episode it was folded into (repeated raise/clear of
--                     one problem on one resource within minutes is one episode: flapping)
--   episodes          one row per episode
--   episode_links     one row per pair of episodes related by topology and time
--   incident_episodes one row per episode in an incident, with its role (root, symptom, attached)
--   incidents         one row per incident (alarm-based or silent)
--   incident_windows  one row per stretch of time a resource was down or degraded for an incident
--   incident_services one row per incident × CFS it hurt, with the minutes
--   incident_access   one row per incident × access resource (PON port, cell) carrying a
--                     service it hurt (with no service hurt: the access resources behind it)
--   incident_hours    one row per incident × hour: its access resources' counters summed
--                     (and, of_root, its root's own when the root is an access resource)
--   incident_network  one row per incident × resource it hurt (the access resources behind its
--                     windows, or the resource itself when none is): minutes,
--                     usual traffic, network impact (session-minutes)
--   care_list         one row per incident × customer it hurt, in the order care calls them
--   impact_breakdown  one row per incident × CFS type × segment × region (the customer's)
--   incident_impact   one row per incident: counts, SLA exposure, experience drop, revenue at
--                     risk, and beside them the network impact
--   queue             one row per incident: the priority score, its components, and its rank
create schema if not exists incidents;

create or replace table incidents.alarm_state (
    alarm_id varchar primary key, fold_key varchar, fingerprint varchar
);

create or replace table incidents.alarm_episodes (
    alarm_id varchar, fold_key varchar, episode_id varchar, resource_id varchar,
    probable_cause varchar, raised_at timestamp, ended_at timestamp, end_implicit boolean,
    service_affecting boolean, planned boolean, severity_rank integer, is_root_cause boolean
);

create or replace table incidents.episodes (
    episode_id varchar, fold_key varchar, resource_id varchar, resource_type varchar,
    region varchar, probable_cause varchar, alarm_type varchar, specific_problem varchar,
    started_at timestamp, ended_at timestamp, n_alarms integer, flapping boolean,
    service_affecting boolean, planned boolean, severity_rank integer, root_hint boolean,
    down_minutes double
);

create or replace table incidents.episode_links (
    upper_id varchar, lower_id varchar, relation varchar, both_affecting boolean
);

create or replace table incidents.incident_episodes (
    incident_id varchar, episode_id varchar, role varchar
);

create or replace table incidents.incidents (
    incident_id varchar primary key, source varchar, kind varchar, title varchar,
    root_episode_id varchar, root_alarm_id varchar, root_resource_id varchar,
    root_resource_type varchar, region varchar, started_at timestamp, ended_at timestamp,
    impact_end timestamp, status varchar, end_basis varchar, planned boolean,
    n_alarms integer, n_episodes integer, n_symptoms integer, n_attached integer,
    flapping boolean, n_flaps integer, worst_severity varchar, severity_rank integer,
    detection varchar
);

create or replace table incidents.incident_windows (
    incident_id varchar, resource_id varchar, starts timestamp, ends timestamp, effect varchar
);

create or replace table incidents.incident_services (
    incident_id varchar, service_id varchar, customer_id varchar, cfs_type varchar,
    segment varchar, via varchar, impact_minutes double, first_at timestamp, last_at timestamp
);

create or replace table incidents.incident_access (
    incident_id varchar, resource_id varchar, services bigint
);

create or replace table incidents.incident_hours (
    incident_id varchar, hour timestamp, of_root boolean, rows bigint, reported bigint,
    root_seen boolean, outage_minutes double, unavailable_sum double, unavailable_n bigint,
    sessions double, reported_sessions double, latency_sum double, latency_n bigint,
    loss_sum double, loss_n bigint, utilisation_max_pct double, throughput_weighted double,
    throughput_intervals bigint, attempts bigint, successes bigint
);

create or replace table incidents.incident_network (
    incident_id varchar, resource_id varchar, resource_type varchar, minutes double,
    first_at timestamp, last_at timestamp, usual_sessions double, usual_throughput_mbps double,
    weight double, weight_basis varchar, network_impact double
);

create or replace table incidents.care_list (
    incident_id varchar, position integer, customer_id varchar, segment varchar,
    region varchar, services varchar, cfs_types varchar, impact_minutes double,
    first_at timestamp, last_at timestamp
);

create or replace table incidents.impact_breakdown (
    incident_id varchar, cfs_type varchar, segment varchar, services bigint, customers bigint,
    service_minutes double, region varchar
);

-- one row per incident: a fingerprint of what its impact was computed from
-- (incidents/impact_scope.sql), so a refresh recomputes only the impact of incidents that changed
create or replace table incidents.impact_fingerprints (
    incident_id varchar, fingerprint varchar, generation varchar
);

create or replace table incidents.incident_impact (
    incident_id varchar primary key, affected_services bigint, affected_customers bigint,
    service_minutes double, consumer_customers bigint, smb_customers bigint,
    enterprise_customers bigint, ftth_services bigint, iptv_services bigint,
    mobile_data_services bigint, mobile_voice_services bigint, enterprise_vpn_services bigint,
    sla_services bigint, sla_minutes double, sla_breached_services bigint,
    monthly_revenue_eur double, revenue_at_risk_eur double, revenue_basis varchar,
    experience_drop double, duration_minutes double, network_resources bigint,
    network_minutes double, network_impact double, network_basis varchar
);

create or replace table incidents.queue (
    rank integer, incident_id varchar, status varchar, source varchar, kind varchar,
    title varchar, root_resource_id varchar, started_at timestamp, duration_minutes double,
    planned boolean, worst_severity varchar, severity_rank integer, priority_score double,
    score_customer_minutes double, score_business double, score_sla double,
    score_revenue double, score_experience double, affected_services bigint,
    affected_customers bigint, sla_services bigint, sla_breached_services bigint,
    revenue_at_risk_eur double, experience_drop double, score_network double,
    priority_basis varchar, network_resources bigint, model_version varchar,
    run_id varchar, scored_at timestamp, effect varchar, queue_section varchar,
    chronic_after_days double
);

-- what the next step works on: a full build puts everything in scope, a refresh only what a
-- batch of alarm events touched
create or replace table incidents.scope_keys (fold_key varchar);
create or replace table incidents.scope_episodes (episode_id varchar);
create or replace table incidents.scope_incidents (incident_id varchar);
