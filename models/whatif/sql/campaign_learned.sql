-- What past campaigns show, per offer and CFS type, as known before $as_of: take-up (takers
-- over targets) and usage uplift (the takers' mean daily data volume after / before the
-- campaign, over the same ratio of the targets who did not take it up, so that what changed
-- for everybody, a holiday or an outage, cancels out). A campaign counts once it has been out
-- $min_days days before $as_of; "after" is its first seven days (or fewer, up to $as_of),
-- "before" the seven days before it. Each campaign is its first day and its most frequent
-- offer (ties: the first offer name).
-- Parameters: $as_of (date), $min_days (integer).
with win as (
    select cast($as_of as date) as as_of
),
offers as (
    select campaign_id, offer,
           row_number() over (partition by campaign_id order by count(*) desc, offer) as rank
    from stg.campaigns group by campaign_id, offer
),
campaigns as (
    select c.campaign_id, o.offer, min(c.sent_on) as sent_on
    from stg.campaigns c join offers o on o.campaign_id = c.campaign_id and o.rank = 1
    group by c.campaign_id, o.offer
),
observed as (
    select c.campaign_id, c.offer, c.sent_on,
           least(c.sent_on + 7, w.as_of) as after_end,
           least(c.sent_on + 7, w.as_of) - c.sent_on as after_days
    from campaigns c, win w
    where c.sent_on + cast($min_days as integer) <= w.as_of
),
targets as (
    select t.campaign_id, t.customer_id, bool_or(t.took_up) as took_up
    from stg.campaigns t semi join observed o on o.campaign_id = t.campaign_id
    group by t.campaign_id, t.customer_id
),
per_type as (
    select o.offer, s.cfs_type, t.took_up,
           sum(u.data_volume_mb) filter (where u.date < o.sent_on) / 7.0      as before_mb,
           sum(u.data_volume_mb) filter (where u.date >= o.sent_on) / o.after_days as after_mb
    from targets t
    join observed o on o.campaign_id = t.campaign_id
    join core.cfs s on s.customer_id = t.customer_id
    join stg.usage u on u.service_id = s.service_id
     and u.date >= o.sent_on - 7 and u.date < o.after_end
    group by o.offer, s.cfs_type, t.took_up, o.campaign_id, o.sent_on, o.after_days
),
uplift as (
    select offer, cfs_type,
           (sum(after_mb) filter (where took_up) / nullif(sum(before_mb) filter (where took_up), 0))
           / nullif(sum(after_mb) filter (where not took_up)
                    / nullif(sum(before_mb) filter (where not took_up), 0), 0) as uplift
    from per_type group by offer, cfs_type
),
take_up as (
    select o.offer, count(distinct o.campaign_id) as campaigns, count(*) as targets,
           count(*) filter (where t.took_up) as takers
    from targets t join observed o on o.campaign_id = t.campaign_id
    group by o.offer
)
select k.offer, u.cfs_type, k.campaigns, k.targets, k.takers,
       k.takers / k.targets as take_up, u.uplift
from take_up k
join uplift u on u.offer = k.offer
where u.uplift is not null
order by k.offer, u.cfs_type
