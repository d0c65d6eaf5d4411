-- Every ticket of the snapshot, whatever the filters (one row): how many, first and last day.
select cast(coalesce(sum(tickets), 0) as bigint)                           as tickets,
       min(date)                                                           as first_date,
       max(date)                                                           as last_date
from ticket_daily
