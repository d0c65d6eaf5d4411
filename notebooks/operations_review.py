# %% [markdown]
# # Operations review (NOC / SOC)
#
# The fault queue as the Network operations page shows it: acute incidents (every outage,
# degradations younger than `chronic_after_days`) before chronic degradations, each section by
# customer impact; the silent degradations no alarm announced; and the operations KPIs of the
# metric registry over the snapshot's last seven days. It reads the published snapshot through
# `cxbridge.platform.snapshot_reading` and `snapshot_metrics` (never the dashboard), so the
# numbers are the dashboard's.
#
# Run it with `python notebooks/operations_review.py` after `cxbridge run`; `CXBRIDGE_HOME`
# chooses the data directory. Without alarms or PM counters there is no queue: it says so.

# %%
from datetime import timedelta

import polars as pl

from cxbridge.platform import snapshot_metrics
from cxbridge.platform.metrics import METRICS
from cxbridge.platform.settings import load_settings
from cxbridge.platform.snapshot_reading import Selection, SnapshotReading

snapshot = SnapshotReading(load_settings())
info = snapshot.snapshot_info()
last_week = Selection(start=info.last_date - timedelta(days=6), end=info.last_date)
print(f"Snapshot {info.run_id}: {last_week.start} to {last_week.end}")

# %% [markdown]
# ## The queue: open incidents, acute first

# %%
if snapshot.missing("queue"):
    print("No incident queue in this snapshot: it needs alarms or PM counters "
          "(see `cxbridge run`'s capability table).")
else:
    queue = snapshot.frame(
        "select rank, incident_id, queue_section, effect, status, title, started_at, "
        "affected_customers, revenue_at_risk_eur, priority_score from queue "
        "where status not in ('cleared', 'resolved', 'closed') and not planned order by rank")
    print(f"{queue.height} open incidents")
    print(queue.group_by("queue_section", maintain_order=True).agg(
        pl.len().alias("incidents"), pl.col("affected_customers").sum().alias("customers")))
    print(queue.head(10))

# %% [markdown]
# ## Silent degradations: found in the counters, no alarm raised

# %%
if not snapshot.missing("incidents"):
    silent = snapshot.frame(
        "select incident_id, kind, title, region, started_at, status from incidents "
        "where source = 'silent' order by started_at desc")
    print(silent if silent.height else "No silent degradation in this snapshot")

# %% [markdown]
# ## Operations KPIs over the last week (metric registry)

# %%
for m in METRICS:
    if m.source == "incident_kpi_daily" and snapshot_metrics.source_available(snapshot, m.name):
        value = snapshot_metrics.kpi_value(snapshot, m.name, last_week)
        shown = "no data" if value is None else f"{value:,.2f} {m.unit}"
        print(f"{m.label}: {shown} (target {m.target} {m.unit}; {m.status(value)})")
