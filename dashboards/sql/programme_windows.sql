-- The follow-up windows (days) the outcomes cover: those whose end the data has reached.
select distinct window_days
from programme_outcomes
order by window_days
