-- The day of traffic shares (core.service_access_shares) a projection of work starting at
-- $starts reads: the work's first day when the warehouse has it, else the latest day before.
-- A day's shares are computed from the seven days before it (a line with no usage that week
-- falls back on the day's own usage: core/service_access_shares.sql), so the projection reads
-- what was known before the work began; for work ahead of the data, the latest day there is.
-- The first day there is when the work starts before the data does; NULL without shares (no
-- usage feed).
select coalesce(max(date) filter (where date <= cast($starts as date)), min(date)) as shares_date
from core.service_access_shares
