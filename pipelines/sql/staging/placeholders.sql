-- Empty staging tables for the optional feeds the models read, so that a warehouse that has
-- not (yet) received alarms, tickets or surveys still builds its marts: with no rows, the
-- models simply find no faults, tickets or answers. Ingest fills these tables by column name
-- (pipelines/ingest/loader.py); the columns here are the ones the sources' contracts produce.
create table if not exists stg.alarm_events (
    event_id varchar, event_type varchar, event_time timestamp, alarm_id varchar,
    external_alarm_id varchar, alarm_type varchar, perceived_severity varchar,
    probable_cause varchar, specific_problem varchar, alarmed_object_id varchar,
    alarmed_object_type varchar, source_system_id varchar, state varchar,
    raised_time timestamp, changed_time timestamp, cleared_time timestamp,
    service_affecting boolean, is_root_cause boolean, planned_outage boolean,
    parent_alarm_id varchar, _file_id varchar
);
create table if not exists stg.tickets (
    ticket_id varchar, customer_id varchar, service_id varchar, created_at timestamp,
    resolved_at timestamp, status varchar, channel varchar, category varchar, severity varchar,
    description varchar, location varchar, _file_id varchar
);
create table if not exists stg.surveys (
    response_id varchar, customer_id varchar, responded_at timestamp, score bigint,
    comment varchar, _file_id varchar
);
