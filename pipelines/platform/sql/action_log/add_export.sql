-- One download, with how many customers it listed and how many it recorded new per arm (what
-- the download's recorded_lists row holds; counted by the writer in the same transaction).
insert into recorded_exports (export_id, at, kind, programme_key, user, role, via, snapshot,
                              control_rate, listed, new_treated, new_control)
values (:export_id, :at, :kind, :programme_key, :user, :role, :via, :snapshot,
        :control_rate, :listed, :new_treated, :new_control)
