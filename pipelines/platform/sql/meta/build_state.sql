-- The fingerprints of the staging tables at the last build (pipelines/platform/transform.py): one row
-- per table, or per table × day for the dated feeds, and one for the SQL models themselves.
create schema if not exists meta;

create table if not exists meta.build_state (
    name         varchar not null,  -- a staging table, or 'sql'
    day          date,              -- the day of a dated feed; null for a whole table
    fingerprint  varchar not null   -- row count and the files the rows came from
);

-- A build under way: written (and committed) before the first model writes, removed once every
-- model and every later stage of the job is done. Rows left here mean the last build was
-- interrupted (a crash, kill -9, a full disk), so its tables may be half written whatever
-- meta.build_state says: the next build redoes it. One row with a null day gives the mode;
-- an incremental build adds one row per day in its scope.
create table if not exists meta.build_pending (
    mode         varchar not null,  -- full or incremental
    day          date               -- a day in the build's scope; null: the mode row
);
