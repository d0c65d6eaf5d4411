-- cxbridge live's own record of what it stored, beside the staging table it loads
-- (stg.alarm_events, through the alarm files' contract and checks).
create schema if not exists live;

-- one row per event the live consumer ever committed, loaded or quarantined: the primary key
-- is what makes "stored once" hold (a redelivered event finds its key and is dropped; two
-- copies in one transaction make it fail). The key is the event's eventId, or, for an event
-- without one (bad JSON, a missing id), its position in the source.
create table if not exists live.events (
    event_key    varchar primary key,
    batch_id     varchar not null,          -- meta.ingest_files.file_id of its batch
    line         bigint not null,           -- its line in the batch (meta.quarantine.line)
    position     varchar not null,          -- where the source holds it: stream:sequence, …
    outcome      varchar not null           -- loaded, quarantined, waiting
);

-- one row per committed batch: what came, and what became of it
create table if not exists live.batches (
    batch_id      varchar primary key,
    run_id        varchar not null,
    source        varchar not null,         -- nats, kafka, file, tmf642
    origin        varchar not null,         -- the source described (URL, stream, folder)
    first_position varchar,
    last_position  varchar,
    received      bigint not null,          -- events handed out, duplicates included
    duplicates    bigint not null,          -- stored before (or twice in the batch): dropped
    loaded        bigint not null,
    quarantined   bigint not null,          -- waiting for a resource included
    committed_at  timestamp not null
);

-- the incidents a notification was sent for (once each, even across restarts)
create table if not exists live.notified (
    incident_id  varchar primary key,
    notified_at  timestamp not null
);
