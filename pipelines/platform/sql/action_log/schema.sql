-- The recorded-actions store (SQLite, beside the incident workflow store, never inside a
-- snapshot): what the dashboard's campaign and care-list downloads handed out, and to whom.
-- recorded_exports: one row per download, with how many it recorded new per arm.
-- recorded_lists: per download that recorded anyone new, those customers (one blob: an Arrow IPC
-- stream, zstd, of pipelines/platform/action_log.py's LIST_COLUMNS), written in the download's
-- own transaction. One blob and not one row per customer: a first download of a 100,000-customer
-- list wrote 100,000 B-tree rows (about 5 us each, most of the download's time); the blob takes
-- a few milliseconds. "Recorded exactly once" holds because every download is one BEGIN
-- IMMEDIATE transaction that reads the list's recorded customers and writes only those new to it.
-- recorded_actions: one row per (kind, campaign code or incident id, customer), the layout of
-- stores written before 7 Dec 2026; read with the lists, never written any more.
-- All three are append-only: the triggers refuse an update or a delete. Customer ids only: names,
-- e-mails and phones never come here.
create table if not exists recorded_exports (
    export_id     integer primary key,
    at            text not null,      -- UTC, ISO 8601 with milliseconds: 2026-12-06T14:20:03.120Z
    kind          text not null check (kind in ('campaign', 'care')),
    programme_key text not null,      -- the campaign code, or the incident id of a care list
    user          text not null,
    role          text not null,
    via           text not null,      -- dashboard or cli
    snapshot      text,               -- the run id of the snapshot the list came from
    control_rate  real not null check (control_rate between 0 and 0.5),
    listed        integer not null,   -- customers the list held (treated and control)
    new_treated   integer not null,   -- of them, recorded for the first time, per arm
    new_control   integer not null
);

create index if not exists recorded_exports_by_time on recorded_exports (at);
-- a campaign's or incident's downloads (arms_version.sql, the running totals of exports.sql)
create index if not exists recorded_exports_by_list
    on recorded_exports (kind, programme_key, export_id);

create table if not exists recorded_lists (
    export_id     integer primary key references recorded_exports (export_id),
    kind          text not null check (kind in ('campaign', 'care')),
    programme_key text not null,
    customers     integer not null check (customers > 0),  -- rows in the blob
    layout        text not null check (layout = 'arrow-ipc-zstd'),
    customer_rows blob not null
);

create index if not exists recorded_lists_by_list on recorded_lists (kind, programme_key);

create table if not exists recorded_actions (
    kind          text not null check (kind in ('campaign', 'care')),
    programme_key text not null,
    customer_id   text not null check (length(customer_id) > 0),
    arm           text not null check (arm in ('treated', 'control')),
    recorded_at   text not null,      -- the first download that listed the customer
    export_id     integer not null references recorded_exports (export_id),
    programme     text not null,      -- campaign:<offer> or care:incident follow-up
    offer         text,
    channel       text,
    reason        text,               -- the risk band, or the incident id
    cost_eur      real,
    primary key (kind, programme_key, customer_id)
) without rowid;

-- what one download recorded (stores written before 7 Dec 2026)
create index if not exists recorded_actions_by_export on recorded_actions (export_id, arm);

create trigger if not exists recorded_actions_no_update
before update on recorded_actions
begin
    select raise(abort, 'recorded_actions is append-only: a recorded action is never changed');
end;

create trigger if not exists recorded_actions_no_delete
before delete on recorded_actions
begin
    select raise(abort, 'recorded_actions is append-only: a recorded action is never deleted');
end;

create trigger if not exists recorded_exports_no_update
before update on recorded_exports
begin
    select raise(abort, 'recorded_exports is append-only: a download is never changed');
end;

create trigger if not exists recorded_exports_no_delete
before delete on recorded_exports
begin
    select raise(abort, 'recorded_exports is append-only: a download is never deleted');
end;

create trigger if not exists recorded_lists_no_update
before update on recorded_lists
begin
    select raise(abort, 'recorded_lists is append-only: a recorded list is never changed');
end;

create trigger if not exists recorded_lists_no_delete
before delete on recorded_lists
begin
    select raise(abort, 'recorded_lists is append-only: a recorded list is never deleted');
end;
