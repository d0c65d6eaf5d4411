-- The customers one download (:export_id) recorded new to its campaign or incident, as one
-- Arrow IPC blob (schema.sql says why).
insert into recorded_lists (export_id, kind, programme_key, customers, layout, customer_rows)
values (:export_id, :kind, :programme_key, :customers, 'arrow-ipc-zstd', :customer_rows)
