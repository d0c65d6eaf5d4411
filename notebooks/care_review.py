# %% [markdown]
# # Care review: what customers call about, and who an open incident hurts now
#
# Tickets of the snapshot's last seven days by family (network apart) and category, how long
# they took to resolve; the customers an open incident hurts now, per incident and region (the
# proactive-care lists the incident page exports, without contact details here). It reads the
# published snapshot through `cxbridge.platform.snapshot_reading` (never the dashboard).
#
# Run it with `python notebooks/care_review.py` after `cxbridge run`; `CXBRIDGE_HOME` chooses
# the data directory.

# %%
from datetime import timedelta

from cxbridge.platform.settings import load_settings
from cxbridge.platform.snapshot_reading import SnapshotReading

snapshot = SnapshotReading(load_settings())
info = snapshot.snapshot_info()
since = info.last_date - timedelta(days=6)
print(f"Snapshot {info.run_id}: tickets from {since} to {info.last_date}")

# %% [markdown]
# ## Tickets by family and category

# %%
tickets = snapshot.frame(
    "select family, category, count(*) as tickets, "
    "round(median(hours_to_resolve), 1) as median_hours_to_resolve "
    "from tickets where cast(created_at as date) >= $since group by all "
    "order by tickets desc, family, category", (("since", since),))
print(tickets if tickets.height else "No ticket in the last seven days")

# %% [markdown]
# ## Customers an open incident hurts now

# %%
if snapshot.missing("care_list", "incidents"):
    print("No incidents in this snapshot: they need alarms or PM counters")
else:
    hurt = snapshot.frame(
        "select i.incident_id, i.title, c.region, count(*) as customers "
        "from care_list c join incidents i using (incident_id) "
        "where i.status not in ('cleared', 'resolved', 'closed') and not i.planned "
        "group by all order by customers desc, i.incident_id, c.region")
    print(hurt if hurt.height else "No open incident hurts a customer now")
