-- The id the next download gets (read inside the write transaction that records it).
select coalesce(max(export_id), 0) + 1 from recorded_exports
