-- The Outcomes page: the uplift model's Qini curves on its temporal holdout (one row per
-- programme × ranking × point: 'uplift', 'risk' and 'random'; programme 'all' for every scored
-- holdout together). A few hundred rows: read whole.
select programme, ranking, share_targeted, customers_kept
from uplift_qini
order by programme, ranking, share_targeted
