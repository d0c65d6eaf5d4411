-- The campaign review page's load rows (whatif.campaign_load, built with the incidents by
-- models/whatif/campaign.py): each service's daily data volume on each cell and PON port, with
-- its customer, type, region, share of its traffic there and monthly price. Read whole once per
-- snapshot and kept in memory: a projection is a join of the target list to these rows.
select service_id, customer_id, cfs_type, customer_region, resource_id, resource_type, region,
       share, mb_per_day, monthly_price_eur
from campaign_load
