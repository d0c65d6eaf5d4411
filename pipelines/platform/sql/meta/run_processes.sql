-- The runs under way and the process running each (pipelines/platform/runs.py): a row is written
-- with the run's row of meta.runs and removed when the run finishes. A run still 'running' whose
-- process is not this one was left by a process that ended before the run finished (DuckDB lets
-- one process at a time write the warehouse), and is marked failed by the next run.
create schema if not exists meta;

create table if not exists meta.run_processes (
    run_id  varchar not null,   -- meta.runs.run_id
    pid     integer not null    -- the operating system's process id
);
