# %% [markdown]
# # Weekly KPI review (executives)
#
# The shared customer-experience KPIs for the last seven days of the current snapshot, by region,
# against their targets. Every number comes from the metric registry
# (`pipelines/platform/metrics.py`) through `cxbridge.platform.snapshot_metrics`, the functions
# the dashboard's Overview calls too, so it is the same number the Overview page shows (the
# notebook does not import the dashboard).
#
# Run it with `python notebooks/kpi_review.py` after `cxbridge run` (or `cxbridge demo`), or open
# it in Jupyter as a percent-format notebook. `CXBRIDGE_HOME` chooses the data directory.

# %%
from datetime import timedelta

import polars as pl

from cxbridge.platform import snapshot_metrics
from cxbridge.platform.metrics import METRICS
from cxbridge.platform.settings import load_settings
from cxbridge.platform.snapshot_reading import Selection, SnapshotReading

settings = load_settings()
snapshot = SnapshotReading(settings)
info = snapshot.snapshot_info()
last_week = Selection(start=info.last_date - timedelta(days=6), end=info.last_date)
print(f"Snapshot {info.run_id}: {last_week.start} to {last_week.end}")

# %% [markdown]
# ## The shared KPIs, network-wide and by region

# %%
kpis = [m for m in METRICS if m.source == "kpi_daily"]
overall = snapshot_metrics.kpi_values(snapshot, [m.name for m in kpis], last_week)
review = pl.DataFrame({
    "KPI": [m.label for m in kpis],
    "value": [overall[m.name] for m in kpis],
    "unit": [m.unit for m in kpis],
    "target": [m.target for m in kpis],
    "status": [m.status(overall[m.name]) for m in kpis],
})
print(review)

by_region = None
for m in kpis:
    part = snapshot_metrics.breakdown(snapshot, m.name, "region", last_week).rename(
        {"value": m.label})
    by_region = part if by_region is None else by_region.join(part, on="region", how="full",
                                                              coalesce=True)
print(by_region.sort("region"))

# %% [markdown]
# ## Where to look
# Regions below target on availability, worst first: the Network operations page will show the
# incidents behind them.

# %%
availability = next(m for m in kpis if m.name == "service_availability")
below = by_region.filter(pl.col(availability.label) < availability.target).sort(
    availability.label)
print(below.select("region", availability.label) if below.height else "Every region on target")
