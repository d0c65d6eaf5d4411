-- Whether each reason the churn model gives is rooted in the network (from its driver summary,
-- churn_drivers): the Marketing page counts the reasons of the filtered customers itself and
-- colours the network-rooted ones.
select feature_label as reason, bool_or(network) as network
from churn_drivers
group by feature_label
order by reason
