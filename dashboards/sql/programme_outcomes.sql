-- The Outcomes page: what each recorded programme changed against its control group, for one
-- breakdown ('all', 'segment', 'region', 'contract_type') and one follow-up window (days), the
-- whole programme first. One small table (programmes × groups × windows): read whole.
select *
from programme_outcomes
where breakdown = $breakdown
  and window_days = $window
order by programme, group_value
