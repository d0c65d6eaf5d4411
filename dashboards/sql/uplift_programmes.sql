-- The Outcomes page and the campaign builder: per programme whether an uplift is published (or
-- why not), its offer and its temporal holdout's Qini coefficients; 'all' for the holdouts
-- together. One row per programme: read whole.
select programme, offer, window_days, treated_outcomes, control_outcomes, published, reason,
       holdout_status, holdout_reason, cut_date, holdout_treated, holdout_control,
       holdout_churned, uplift_qini, risk_qini, uplift_beats_risk
from uplift_programmes
order by programme
