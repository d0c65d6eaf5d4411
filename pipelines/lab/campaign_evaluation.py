"""Score the campaign projection against the campaigns the generator ran (issue 19,
``cxbridge evaluate`` section ``what_if``).

For each simulated campaign (``_truth/campaigns.csv``), project it from the data before it:
its target list and offer from the campaigns feed (``stg.campaigns``), the busy hour and the
traffic shares of the week before its day, the offer's take-up and uplift learned from the
campaigns that went out earlier (else the configured defaults). Then compare, per access
resource serving its targets (``_truth/campaign_resources.csv``), the projected busy-hour
utilisation with the one the campaign caused:

* ``campaign_util_mae_pts``: the median absolute error of projected busy-hour utilisation, in
  percentage points (both sides capped at 100 %: a counter cannot read more);
* ``campaign_flag_precision`` / ``campaign_flag_recall``: of the resources projected to reach
  the congestion threshold, the share that truly did, and of those that truly did, the share
  projected (a resource that reaches it with the campaign's load added);
* ``campaign_new_flag_*``: the same for resources under the threshold before the campaign
  (what the campaign alone pushes over), a stricter reading;
* ``campaign_flag_or_may_*``: the flags together with the resources that *may congest* (an
  offer without history is a range; its high end reaches the threshold): what the review page
  asks operations to check;
* ``campaign_learned_*`` and ``campaign_configured_*``: the error and the flags again, apart for
  the campaigns whose take-up and uplift were learned from earlier campaigns and for those
  projected with the configured defaults (the first campaign of an offer, or campaigns sent the
  same week). The model is the traffic-share projection; a configured default is the operator's
  guess, and its part of the error is the guess's, so the two are told apart;
* ``campaign_residual_*``, ``campaign_before_error_*``, ``campaign_extra_ratio_*`` (cells the
  counter does not saturate): whether the projection's misses are a bias or noise. The residual
  is the true busy hour with the campaign minus the projected one (its median and standard
  deviation); it splits into the error of the level before the campaign (the truth's busy hour
  without it minus the projected busy hour now) and that of the extra load (the median ratio
  of the true extra to the projected extra, where at least ``EXTRA_MIN_PTS`` were projected).
  A median residual near 0 with a wide spread points to noise, not to a bias a correction of
  the level or of the extra load could remove (README, issue 19: measured at scale 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path

import polars as pl

from cxbridge.models.whatif import campaign as model
from cxbridge.platform.warehouse import query, table_exists

UTIL_CAP = 100.0
# the generator's utilisation counter saturates at 98.5 %: a cell read at 98 % or more has lost
# the part of its load above that, so the residual analysis leaves it out
SATURATED_PCT = 98.0
EXTRA_MIN_PTS = 1.0  # the extra ratio is read where at least this much extra was projected
# the figures told apart for learned and configured assumptions
SPLIT_FIGURES = ("campaign_util_mae_pts_cells", "campaign_flags_true", "campaign_flags_projected",
                 "campaign_flag_precision", "campaign_flag_recall",
                 "campaign_flags_or_may_projected", "campaign_flag_or_may_precision",
                 "campaign_flag_or_may_recall", "campaign_residual_median_pts_cells",
                 "campaign_residual_sd_pts_cells", "campaign_before_error_median_pts_cells",
                 "campaign_extra_ratio_median_cells")


def _truth(truth_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    summary, resources = truth_dir / "campaigns.csv", truth_dir / "campaign_resources.csv"
    if not (summary.is_file() and resources.is_file()):
        return None
    return (pl.read_csv(summary, try_parse_dates=True),
            pl.read_csv(resources, schema_overrides={"resource_id": pl.String}))


def project_campaign(con, campaign_id: str, sent_on: date, configured: model.Configured
                     ) -> model.Projection:
    """The projection of one past campaign from the data before its day."""
    targets = query(con, "select customer_id, any_value(offer) as offer from stg.campaigns "
                         "where campaign_id = $id group by customer_id order by customer_id",
                    {"id": campaign_id})
    offers = tuple(targets["offer"].unique().sort().to_list())
    assumptions = model.assumption_rows(offers, model.learned(con, sent_on), configured)
    return model.project(targets, model.load_rows(con, sent_on),
                         model.resource_rows(con, sent_on), assumptions,
                         model.threshold_pct(con), model.cell_share_min(con),
                         configured.margin_pts)


def compare(truth: pl.DataFrame, projected: pl.DataFrame, threshold: float) -> dict:
    """The figures (pure) from the truth's rows and the projected ones, joined on campaign and
    resource (a truth resource the projection did not see counts as projected unchanged)."""
    if "may_congest" not in projected.columns:
        projected = projected.with_columns(may_congest=pl.lit(False))
    both = truth.join(projected.select("campaign_id", "resource_id", "busy_util_pct",
                                       "after_util_pct", "may_congest"),
                      on=["campaign_id", "resource_id"], how="left")
    unseen = int(both["after_util_pct"].null_count())
    both = both.filter(pl.col("after_util_pct").is_not_null()).with_columns(
        error=(pl.col("after_util_pct").clip(upper_bound=UTIL_CAP)
               - pl.col("busy_util_after_pct").clip(upper_bound=UTIL_CAP)).abs(),
        true_flag=pl.col("busy_util_after_pct") >= threshold,
        projected_flag=pl.col("after_util_pct") >= threshold,
        checked=(pl.col("after_util_pct") >= threshold) | pl.col("may_congest"),
        true_new=(pl.col("busy_util_after_pct") >= threshold)
        & (pl.col("busy_util_before_pct") < threshold),
        projected_new=(pl.col("after_util_pct") >= threshold)
        & (pl.col("busy_util_pct") < threshold))

    def share(hit: pl.Expr, of: pl.Expr) -> float | None:
        n = both.filter(of).height
        return round(both.filter(of & hit).height / n, 3) if n else None

    return {
        "campaign_resources": both.height,
        "campaign_resources_unseen": unseen,
        "campaign_util_mae_pts": round(float(both["error"].median()), 2) if both.height else None,
        "campaign_util_mae_pts_cells": (
            round(float(both.filter(pl.col("resource_type") == "cell")["error"].median()), 2)
            if both.filter(pl.col("resource_type") == "cell").height else None),
        "campaign_util_p90_error_pts": (round(float(both["error"].quantile(0.9, "nearest")), 2)
                                        if both.height else None),
        "campaign_flags_true": both.filter(pl.col("true_flag")).height,
        "campaign_flags_projected": both.filter(pl.col("projected_flag")).height,
        "campaign_flag_precision": share(pl.col("true_flag"), pl.col("projected_flag")),
        "campaign_flag_recall": share(pl.col("projected_flag"), pl.col("true_flag")),
        "campaign_flags_or_may_projected": both.filter(pl.col("checked")).height,
        "campaign_flag_or_may_precision": share(pl.col("true_flag"), pl.col("checked")),
        "campaign_flag_or_may_recall": share(pl.col("checked"), pl.col("true_flag")),
        "campaign_new_flags_true": both.filter(pl.col("true_new")).height,
        "campaign_new_flag_precision": share(pl.col("true_new"), pl.col("projected_new")),
        "campaign_new_flag_recall": share(pl.col("projected_new"), pl.col("true_new")),
        **residuals(both),
    }


def residuals(both: pl.DataFrame) -> dict:
    """The residual of the cells the counter does not saturate, and its two parts (pure; see
    the module's docstring): ``both`` is the truth's rows joined with the projected
    ``busy_util_pct`` and ``after_util_pct``."""
    cells = both.filter((pl.col("resource_type") == "cell")
                        & (pl.col("busy_util_after_pct") < SATURATED_PCT)).with_columns(
        residual=pl.col("busy_util_after_pct") - pl.col("after_util_pct"),
        before_error=pl.col("busy_util_before_pct") - pl.col("busy_util_pct"),
        projected_extra=pl.col("after_util_pct") - pl.col("busy_util_pct"))
    ratios = cells.filter(pl.col("projected_extra") >= EXTRA_MIN_PTS).select(
        (pl.col("busy_util_after_pct") - pl.col("busy_util_before_pct"))
        / pl.col("projected_extra"))

    def rounded(value, digits: int = 2) -> float | None:
        return None if value is None else round(float(value), digits)

    return {
        "campaign_residual_cells": cells.height,
        "campaign_residual_median_pts_cells": rounded(cells["residual"].median()),
        "campaign_residual_sd_pts_cells": rounded(cells["residual"].std()),
        "campaign_before_error_median_pts_cells": rounded(cells["before_error"].median()),
        "campaign_extra_ratio_median_cells": rounded(ratios.to_series().median(), 3),
    }


def by_assumptions(truth: pl.DataFrame, projected: pl.DataFrame, campaigns: list[dict],
                   threshold: float) -> dict:
    """:data:`SPLIT_FIGURES` again (pure), for the campaigns projected with learned take-up and
    uplift (``campaign_learned_*``) and with configured ones (``campaign_configured_*``);
    ``campaigns``: one dict per campaign with its ``campaign_id`` and ``assumptions`` (the
    projection's sources: "learned from 2 past campaigns", "configured", …)."""
    figures: dict = {}
    for kind in ("learned", "configured"):
        ids = [c["campaign_id"] for c in campaigns
               if c["assumptions"].startswith("learned") == (kind == "learned")]
        figures[f"campaign_{kind}_campaigns"] = len(ids)
        if not ids:
            continue
        part = compare(truth.filter(pl.col("campaign_id").is_in(ids)),
                       projected.filter(pl.col("campaign_id").is_in(ids)), threshold)
        figures.update({f"campaign_{kind}_{key.removeprefix('campaign_')}": part[key]
                        for key in SPLIT_FIGURES})
    return figures


def evaluate_campaigns(con, truth_dir: Path,
                       whatif: Mapping[str, object] | None = None) -> dict:
    """The campaign figures of the ``what_if`` section (empty without campaigns in the truth
    or without the campaigns feed loaded)."""
    truth = _truth(truth_dir)
    if truth is None or not table_exists(con, "stg.campaigns"):
        return {}
    summary, resources = truth
    configured = model.configured_offers(whatif or {})
    threshold = model.threshold_pct(con)
    projected, per_campaign = [], []
    for row in summary.iter_rows(named=True):
        sent_on = row["sent_on"] if isinstance(row["sent_on"], date) else date.fromisoformat(
            str(row["sent_on"]))
        projection = project_campaign(con, row["campaign_id"], sent_on, configured)
        projected.append(projection.resources.with_columns(
            campaign_id=pl.lit(row["campaign_id"])))
        source = projection.assumptions["source"].unique().sort().to_list()
        per_campaign.append({"campaign_id": row["campaign_id"], "offer": row["offer"],
                             "assumptions": ", ".join(source)})
    projected_rows = pl.concat(projected, how="diagonal_relaxed")
    figures = compare(resources, projected_rows, threshold)
    figures.update(by_assumptions(resources, projected_rows, per_campaign, threshold))
    figures["campaigns"] = summary.height
    figures["campaign_threshold_pct"] = round(threshold, 2)
    figures["campaign_assumptions"] = per_campaign
    return figures
