-- Measured experience side by side: one row per activity (video / download) × mobility
-- (driving / static); throughput is the ratio of sums (bytes over transfer seconds), shares
-- are weighted by samples, never averages of per-session ratios.
select
    coalesce(activity, 'unknown')                                       as activity,
    coalesce(mobility, 'unknown')                                       as mobility,
    count(*)                                                            as sessions,
    sum(samples)                                                        as samples,
    median(score)                                                       as median_score,
    avg(case when poor then 1.0 else 0.0 end) filter (where poor is not null) as poor_share,
    sum(dl_mean_mbps * active_samples) / nullif(sum(active_samples) filter (
        where dl_mean_mbps is not null), 0)                             as dl_mean_mbps,
    median(dl_p10_mbps)                                                 as median_dl_p10_mbps,
    sum(share_5g * samples) / sum(samples)                              as share_5g,
    sum(rsrp_dbm * samples) / nullif(sum(samples) filter (where rsrp_dbm is not null), 0)
                                                                        as rsrp_dbm,
    sum(handovers) * 3600.0 / nullif(sum(duration_s), 0)                as handovers_per_hour
from ue_sessions
group by all
order by activity, mobility
