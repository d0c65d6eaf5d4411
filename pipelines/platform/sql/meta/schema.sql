-- The pipeline's own bookkeeping: runs, files, quarantine.
create schema if not exists meta;

-- one row per cxbridge run (ingest, transform, publish)
create table if not exists meta.runs (
    run_id       varchar primary key,
    command      varchar not null,
    started_at   timestamp not null,
    finished_at  timestamp,
    status       varchar not null,          -- running, ok, rejected_files, failed
    raw_dir      varchar,
    message      varchar
);

-- one row per version of an ingested file: the content hash makes re-ingest a no-op, and a
-- corrected file (same path, new hash) supersedes the version before it
create table if not exists meta.ingest_files (
    file_id           varchar primary key,  -- sha256 of source + path + content
    source            varchar not null,
    path              varchar not null,
    sha256            varchar not null,
    bytes             bigint not null,
    rows_read         bigint not null,
    rows_loaded       bigint not null,
    rows_quarantined  bigint not null,
    status            varchar not null,     -- loaded, rejected
    message           varchar,
    run_id            varchar not null,
    ingested_at       timestamp not null,
    superseded_at     timestamp
);

-- rows that broke their contract, with the original values and an actionable reason
create table if not exists meta.quarantine (
    file_id        varchar not null,
    source         varchar not null,
    target_table   varchar not null,
    path           varchar not null,
    line           bigint,
    reason         varchar not null,
    original       varchar,
    run_id         varchar not null,
    awaiting       varchar,                 -- set while the row only lacks a reference
    row_json       varchar                  -- the typed row, loaded once the reference arrives
);
