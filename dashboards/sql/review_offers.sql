-- What past campaigns show per offer and CFS type: take-up and usage uplift
-- (whatif.campaign_offers, models/whatif/sql/campaign_learned.sql).
select offer, cfs_type, campaigns, targets, takers, take_up, uplift
from campaign_offers
order by offer, cfs_type
