-- Give every file registered before meta.ingest_files.rel_path existed its identity, from the
-- absolute path it was registered under, by the rule of loader.file_identity: its path relative
-- to this run's raw folder ($raw_root) when it lies under it; else relative to the folder above
-- the outermost folder named after its source (…/raw/kpis/vendor_a/x.csv → kpis/vendor_a/x.csv);
-- else the absolute path itself. Only the files of $sources (paired with their $folders) are
-- given theirs: a source nobody ingests now needs none.
update meta.ingest_files
set rel_path = case
        when $raw_root is not null and starts_with(path, $raw_root || '/')
            then substr(path, length($raw_root) + 2)
        when strpos(path, '/' || $folders[list_position($sources, source)] || '/') > 0
            then substr(path, strpos(path, '/' || $folders[list_position($sources, source)]
                                           || '/') + 1)
        else path
    end
where rel_path is null and list_contains($sources, source);
