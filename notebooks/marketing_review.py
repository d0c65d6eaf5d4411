# %% [markdown]
# # Marketing review: experience, churn risk and who may be contacted
#
# Customers by experience over the last 30 days of the snapshot and, where the churn model has
# scored them, by churn risk band, per segment; and how many of them a campaign may reach by
# channel, from the CRM's consent (unknown consent is no consent, as in the campaign export).
# It reads the published snapshot through `cxbridge.platform.snapshot_reading` and
# `snapshot_metrics` (never the dashboard), so the KPI figures are the Overview's.
#
# Run it with `python notebooks/marketing_review.py` after `cxbridge run`; `CXBRIDGE_HOME`
# chooses the data directory.

# %%
from datetime import timedelta

from cxbridge.platform import snapshot_metrics
from cxbridge.platform.settings import load_settings
from cxbridge.platform.snapshot_reading import Selection, SnapshotReading

snapshot = SnapshotReading(load_settings())
info = snapshot.snapshot_info()
period = Selection(start=max(info.first_date, info.last_date - timedelta(days=29)),
                   end=info.last_date)
print(f"Snapshot {info.run_id}: {period.start} to {period.end}")

# %% [markdown]
# ## Experience per segment (the registry's experience index and poor-day share)

# %%
for name in ("experience_index", "poor_experience_share"):
    if snapshot_metrics.source_available(snapshot, name):
        print(snapshot_metrics.breakdown(snapshot, name, "segment", period).sort("segment"))

# %% [markdown]
# ## Churn risk bands per segment

# %%
if snapshot.missing("churn_scores"):
    print("No churn scores in this snapshot yet: the model needs 60 days of customer history "
          "(see `cxbridge run`'s capability table)")
else:
    print(snapshot.frame(
        "select segment, risk_band, count(*) as customers, "
        "round(sum(revenue_at_risk_eur), 0) as revenue_at_risk_eur "
        "from churn_scores group by all order by all"))

# %% [markdown]
# ## Who a campaign may reach (active customers, by consent)

# %%
print(snapshot.frame(
    "select segment, count(*) as customers, "
    "count(*) filter (where marketing_opt_in) as opted_in, "
    "count(*) filter (where marketing_opt_in and consent_email and email is not null) as email, "
    "count(*) filter (where marketing_opt_in and (consent_sms or consent_phone) "
    "                 and phone is not null) as phone "
    "from customers where status = 'active' group by segment order by segment"))
