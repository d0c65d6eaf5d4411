-- The Measured experience page's headline: sessions, hours and cells measured, time on 5G,
-- the median session score and how many sessions were poor.
select
    count(*)                                                  as sessions,
    sum(duration_s) / 3600.0                                  as hours,
    (select count(*) from ue_cells)                           as cells,
    sum(share_5g * samples) / nullif(sum(samples), 0)         as share_5g,
    median(score)                                             as median_score,
    count(*) filter (where poor)                              as poor_sessions,
    min(started_at)                                           as first_at,
    max(started_at)                                           as last_at
from ue_sessions
