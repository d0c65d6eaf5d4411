-- The incident workflow's operational store (SQLite, beside the snapshots, never inside them).
-- workflow_events: one row per action on an incident, append-only (the triggers refuse an
-- update or a delete). incident_state: one row per incident acted on, its current state as
-- derived from its events by state_refresh.sql in the transaction that appends an event.
create table if not exists workflow_events (
    event_id    integer primary key autoincrement,
    incident_id text not null,
    at          text not null,   -- UTC, ISO 8601 with milliseconds: 2026-12-06T14:20:03.120Z
    user        text not null,
    role        text not null,
    action      text not null
                check (action in ('acknowledge', 'assign', 'note', 'handover')),
    value       text,            -- assign: the assignee; handover: the ticket id
    note        text,            -- note: its text
    payload     text             -- handover: the TMF621 TroubleTicket create payload (JSON)
);

create index if not exists workflow_events_by_incident
    on workflow_events (incident_id, event_id);

create trigger if not exists workflow_events_no_update
before update on workflow_events
begin
    select raise(abort, 'workflow_events is append-only: record a new event instead');
end;

create trigger if not exists workflow_events_no_delete
before delete on workflow_events
begin
    select raise(abort, 'workflow_events is append-only: events are never deleted');
end;

create table if not exists incident_state (
    incident_id     text primary key,
    state           text not null check (state in ('new', 'acknowledged', 'handed_over')),
    assignee        text,
    ticket_id       text,
    acknowledged_at text,
    acknowledged_by text,
    handed_over_at  text,
    handed_over_by  text,
    notes           integer not null,
    updated_at      text not null,
    updated_by      text not null
) without rowid;
