# %% [markdown]
# # Weekly KPI review (executives)
#
# Every KPI the dashboard's Overview shows (the whole metric registry: experience, churn and
# revenue at risk, time to restore, network and care) for the last seven days of the current
# snapshot, network-wide and by region: its value, its target and poor threshold, the Overview's
# status word ("On target", "Watch", "Poor") and its change against the seven days before.
#
# Every number comes from the metric registry (`pipelines/platform/metrics.py`) through
# `cxbridge.platform.snapshot_metrics`, the functions the Overview's tiles call too, so it is the
# same number the page shows; the status and the change are the registry's
# (`Metric.status`, `Metric.change`), and the status words are the registry's too
# (`status_word`), the words every tile, report and notebook shows.
#
# Run it with `python notebooks/kpi_review.py` after `cxbridge run` (or `cxbridge demo`), or open
# it in Jupyter as a percent-format notebook. `CXBRIDGE_HOME` chooses the data directory. The
# weekly report for a whole ISO week, as HTML and PDF, is `cxbridge report weekly`.

# %%
from datetime import timedelta

import polars as pl

from cxbridge.platform import snapshot_metrics
from cxbridge.platform.metrics import METRICS
from cxbridge.platform.metrics import status_word as words_for
from cxbridge.platform.settings import load_settings
from cxbridge.platform.snapshot_reading import Selection, SnapshotReading

pl.Config(tbl_rows=-1, tbl_cols=-1, tbl_width_chars=200, fmt_str_lengths=60)
settings = load_settings()
snapshot = SnapshotReading(settings)
info = snapshot.snapshot_info()
last_week = Selection(start=info.last_date - timedelta(days=6), end=info.last_date)
print(f"Snapshot {info.run_id}: {last_week.start} to {last_week.end}")

# %% [markdown]
# ## Every KPI, network-wide, against its target and the seven days before
# A KPI whose source table the snapshot lacks (churn scores need 60 days of history) says so;
# "No data" is never shown as a zero.

# %%
ready = [m.name for m in METRICS if snapshot_metrics.source_available(snapshot, m.name)]
overview = snapshot_metrics.kpi_overview(snapshot, ready, last_week)
earlier, previous = snapshot_metrics.kpi_previous(snapshot, ready, last_week)


def status_word(m, value):
    """The Overview tile's words for a value; 'No data' where the tile shows none."""
    if m.name not in ready:
        return f"No data ({m.source} not in this snapshot)"
    return "No data" if value is None else words_for(m.status(value))


def change_words(m, value, before):
    """'+1.2 points (better)', '-4.0 % (worse)' or '–', as the tile's change line."""
    change = m.change(value, before)
    if change is None:
        return "–"
    return f"{change.delta:+,.1f} {'%' if change.relative else 'points'} ({change.sense})"


values = {m.name: overview[m.name][0] if m.name in ready else None for m in METRICS}
review = pl.DataFrame({
    "KPI": [m.label for m in METRICS],
    "value": [None if values[m.name] is None else round(values[m.name], 2) for m in METRICS],
    "unit": [m.unit for m in METRICS],
    "target": [m.target for m in METRICS],
    "poor at": [m.poor_threshold for m in METRICS],
    "status": [status_word(m, values[m.name]) for m in METRICS],
    "previous": [None if previous.get(m.name) is None else round(previous[m.name], 2)
                 for m in METRICS],
    "change": [change_words(m, values[m.name], previous.get(m.name)) for m in METRICS],
}, strict=False)
print(f"Compared with {earlier.start} to {earlier.end}" if earlier else "Nothing to compare")
print(review)

# %% [markdown]
# ## By region
# The KPIs split by region (customers' and services' KPIs; churn by region and segment), one row
# per KPI, one column per region.

# %%
regional = [m for m in METRICS if m.name in ready and "region" in m.dimensions]
by_region = pl.concat(
    [snapshot_metrics.breakdown(snapshot, m.name, "region", last_week).select(
        pl.lit(m.label).alias("KPI"), "region", "value", pl.lit(m.name).alias("metric"))
     for m in regional],
    how="vertical_relaxed") if regional else pl.DataFrame()
if by_region.is_empty():
    print("No KPI split by region")
else:
    print(by_region.with_columns(pl.col("value").round(2)).pivot(
        on="region", index="KPI", values="value", sort_columns=True))

# %% [markdown]
# ## Where to look
# Each region's KPIs with the status "Poor", the region with most of them first: the Network
# operations page shows the incidents behind them.

# %%
statuses = {m.name: m for m in regional}
poor = by_region.filter(pl.col("value").is_not_null()).filter(
    pl.struct("metric", "value").map_elements(
        lambda row: statuses[row["metric"]].status(row["value"]) == "poor",
        return_dtype=pl.Boolean)) if not by_region.is_empty() else by_region
if poor.is_empty():
    print("No region is poor on any KPI")
else:
    print(poor.with_columns(status=pl.lit(words_for("poor")), kpis_poor=pl.len().over("region"))
          .sort(["kpis_poor", "region"], descending=[True, False])
          .select("region", "KPI", pl.col("value").round(2), "status"))
