-- A committed live batch as one version of a "file" of the alarms source, so that every
-- mechanism that follows files follows it too: the loaded rows' _file_id, the quarantine's
-- file_id, the duplicate check's "already loaded from", `cxbridge quarantine`, the runs.
insert into meta.ingest_files (file_id, source, path, sha256, bytes, rows_read, rows_loaded,
                               rows_quarantined, status, message, run_id, ingested_at,
                               superseded_at, rel_path)
values ($batch_id, 'alarms', $path, $sha256, $bytes, $read, $loaded, $quarantined, $status,
        $message, $run_id, $now, null, $rel_path);
