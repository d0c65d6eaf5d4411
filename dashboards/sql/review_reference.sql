-- The projection's reference: the first day it projects, the congestion threshold (%) and the
-- share of a service's traffic on a resource from which it is hurt (whatif.campaign_reference).
select as_of, threshold_pct, cell_share_min
from campaign_reference
