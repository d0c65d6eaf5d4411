-- The fingerprints of the staging tables at the last build (pipelines/platform/transform.py): one row
-- per table, or per table × day for the dated feeds, and one for the SQL models themselves.
create schema if not exists meta;

create table if not exists meta.build_state (
    name         varchar not null,  -- a staging table, or 'sql'
    day          date,              -- the day of a dated feed; null for a whole table
    fingerprint  varchar not null   -- row count and the files the rows came from
);
