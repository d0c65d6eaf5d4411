-- Each access resource's busy-hour utilisation before the snapshot's last day (the median over
-- seven days of each day's highest hourly mean), type, region, capacity and the daily data
-- volume of the services on it (whatif.campaign_resources). Every column: a snapshot published
-- before `volume_mb` was added still reads (the projection then sums it from the load rows).
select *
from campaign_resources
order by resource_id
