-- The version of one campaign's or care list's recorded arms (:kind, :programme_key): the last
-- download that recorded a customer new to it (0: none yet). The arms change only with such a
-- download, so arms read at this version are still the arms (what ActionLog keeps in memory).
select coalesce(max(export_id), 0)
from recorded_exports
where kind = :kind and programme_key = :programme_key and new_treated + new_control > 0
