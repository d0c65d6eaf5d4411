-- The recorded lists of one campaign or care list (:kind, :programme_key), oldest first.
select export_id, customer_rows
from recorded_lists
where kind = :kind and programme_key = :programme_key
order by export_id
