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
-- corrected file (same source and rel_path, new hash) supersedes the version before it, unless
-- it would remove more than [ingest] max_shrink of what that version loaded: then it is held
-- (the earlier version stays current beside it) until it is accepted or changes again
create table if not exists meta.ingest_files (
    file_id           varchar primary key,  -- sha256 of source + rel_path + content
    source            varchar not null,
    path              varchar not null,     -- absolute: where the file was last seen
    sha256            varchar not null,
    bytes             bigint not null,
    rows_read         bigint not null,
    rows_loaded       bigint not null,
    rows_quarantined  bigint not null,
    status            varchar not null,     -- loaded, replaced, rejected, empty, held
    message           varchar,
    run_id            varchar not null,
    ingested_at       timestamp not null,
    superseded_at     timestamp,
    -- the file's identity within its source: its path relative to the raw folder it was found
    -- in (kpis/vendor_a/A_PM_20261001.csv), so that moving the raw folder changes nothing; the
    -- absolute path for a file outside any raw folder. (NULL only in a warehouse an earlier
    -- version built, until loader.migrate_file_identities fills it.)
    rel_path          varchar
);
-- a warehouse built before rel_path existed
alter table meta.ingest_files add column if not exists rel_path varchar;

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
