-- The quarantined rows `cxbridge quarantine release` checks again: those of current file
-- versions, chosen by source, a fragment of the reason (case insensitive) and a file (its path,
-- its path under the raw folder, or its name); a null parameter chooses everything.
select
    q.file_id,
    q.source,
    q.target_table,
    q.line,
    q.reason,
    f.path,
    f.sha256,
    f.status
from meta.quarantine q
join meta.ingest_files f on f.file_id = q.file_id
where f.superseded_at is null
  and ($source is null or q.source = $source)
  and ($reason is null or contains(lower(q.reason), lower($reason)))
  and ($file is null or f.path = $file or f.rel_path = $file
       or regexp_extract(f.path, '[^/]+$') = $file)
order by f.path, q.target_table, q.line
