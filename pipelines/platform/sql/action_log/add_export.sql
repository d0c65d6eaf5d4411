-- One download, with how many customers it listed and how many it recorded new per arm.
insert into recorded_exports (export_id, at, kind, programme_key, user, role, via, snapshot,
                              control_rate, listed, new_treated, new_control)
values (:export_id, :at, :kind, :programme_key, :user, :role, :via, :snapshot,
        :control_rate, :listed,
        (select count(*) from recorded_actions
         where kind = :kind and programme_key = :programme_key and export_id = :export_id
           and arm = 'treated'),
        (select count(*) from recorded_actions
         where kind = :kind and programme_key = :programme_key and export_id = :export_id
           and arm = 'control'))
