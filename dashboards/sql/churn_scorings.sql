-- churn_scorings: which days of data the churn scorings so far cover (one scoring per run,
-- marts.churn_score_history; a score is dated by the last day of data it saw, as in
-- churn_kpi_daily), so a churn tile with no value in a period can say why.
select min(scored_at_date) - 1               as first_day,
       max(scored_at_date) - 1               as last_day,
       count(distinct scored_at_date)        as scorings
from churn_score_history
