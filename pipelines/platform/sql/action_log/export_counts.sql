-- What one download (:export_id) recorded new, per arm.
select new_treated, new_control from recorded_exports where export_id = :export_id
