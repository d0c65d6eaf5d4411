"""The joint campaign review page's reads (``dashboards/sql/review_*.sql``) on the snapshot's
campaign tables (``whatif.campaign_*``, built with the incidents by
:mod:`cxbridge.models.whatif.campaign`), and the projection of a campaign built in the
marketing builder.

The target list is the builder's (:func:`cxbridge.dashboards.campaign.campaign` over the
customer outlook the marketing page already reads): the customers it reaches (not held back,
not suppressed for consent), minus its control group, most revenue at risk first (the order of
the phased list). The run precomputed each service's traffic per cell and PON port and each
resource's busy hour and daily volume; the tables are read whole once per snapshot and keyed by
integers (:func:`prepared`, kept per snapshot), so a projection is in-memory joins of the
target list to the load rows and one aggregation per resource
(:func:`cxbridge.models.whatif.campaign.project_prepared`): no query runs per interaction.
"""

from __future__ import annotations

import functools
import threading

import flask
import polars as pl

from cxbridge.dashboards import campaign as builder
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.queries import DashboardQueries
from cxbridge.models.whatif import campaign as model
from cxbridge.platform.snapshot import snapshot_names

REVIEW_TABLES = snapshot_names("whatif.campaign_load", "whatif.campaign_resources",
                               "whatif.campaign_offers", "whatif.campaign_reference")
# what a target list reads of the builder's campaign (gathering its thirty columns for every
# target was a third of a review at a million customers)
TARGET_NEEDS = ("customer_id", "offer", "region")
WHATIF_EXTENSION = "cxbridge_whatif_offers"  # the app's configured offers (flask extensions)
# what the offer gives the customers who take it: as the builder's offer says, or one product
CONTENTS: dict[str, str] = {
    "campaign": "As each customer's offer",
    "data_boost": "Bigger data plan",
    "speed_upgrade": "Speed upgrade",
    "tv_bundle": "TV bundle",
}


def missing(reader: DashboardQueries) -> list[str]:
    """The campaign tables this snapshot lacks (published before they existed, or no PM
    counters, traffic shares or usage to build them from)."""
    return reader.missing(*REVIEW_TABLES)


def configured() -> model.Configured:
    """The per-offer defaults of the app's ``[whatif]`` settings (checked once, as the app is
    made: :func:`cxbridge.dashboards.review_export.register_review_export`), else the model's
    defaults."""
    app = flask.current_app if flask.has_app_context() else None
    offers = app.extensions.get(WHATIF_EXTENSION) if app is not None else None
    return offers if offers is not None else _defaults()


@functools.cache
def _defaults() -> model.Configured:
    return model.configured_offers({})


def campaign_targets(reader: DashboardQueries, filters: Filters,
                     choice: builder.CampaignChoice) -> pl.DataFrame:
    """The builder's campaign as a target list: who it reaches, minus its control group (drawn
    from the ids' CRC-32 the customer view keeps), with their builder offer, their place in
    the list (``priority``) and their key in the load rows (``ck``: :func:`load_keys`)."""
    view = reader.customer_view(filters)
    order = builder.reached_order(view, choice)
    reached = builder.gathered(view, order, (*TARGET_NEEDS, builder.ID_CRC)).with_columns(
        ck=load_keys(reader, view).gather(order["_row"]))
    code = builder.campaign_code(choice, filters.end)
    control = builder.control_flags(reached["customer_id"], code, choice.control_rate,
                                    crcs=reached[builder.ID_CRC])
    return (reached.filter(~control).select("customer_id", "offer", "region", "ck")
            .with_row_index("priority").with_columns(pl.col("priority").cast(pl.Float64)))


def with_content(targets: pl.DataFrame, content: str) -> pl.DataFrame:
    """Every target's offer as ``content`` says (``campaign``: the builder's own)."""
    if content == "campaign" or content not in CONTENTS:
        return targets
    return targets.with_columns(offer=pl.lit(content))


def review(reader: DashboardQueries, targets: pl.DataFrame,
           offers_configured: model.Configured | None = None) -> model.Projection:
    """The projection of ``targets`` (customer_id, offer, priority) on this snapshot, with the
    configured offers given (the command line's settings) or the app's."""
    reference = reader.sql("review_reference")
    threshold = (float(reference["threshold_pct"][0]) if reference.height
                 else model.DEFAULT_THRESHOLD_PCT)
    share_min = float(reference["cell_share_min"][0]) if reference.height else 0.3
    offers = tuple(targets["offer"].unique().sort().to_list())
    settings = offers_configured or configured()
    assumptions = model.assumption_rows(offers, reader.sql("review_offers"), settings)
    return model.project_prepared(targets, prepared(reader), assumptions, threshold,
                                  share_min, settings.margin_pts)


_PREPARED_LOCK = threading.Lock()


def prepared(reader: DashboardQueries) -> model.Prepared:
    """The snapshot's load rows and resources keyed for projection
    (:func:`cxbridge.models.whatif.campaign.prepare`), made once per snapshot (about 0.4 s of
    one core at scale 1) and kept on the reader with the run it belongs to."""
    return _held(reader)[1]


def load_keys(reader: DashboardQueries, view: pl.DataFrame) -> pl.Series:
    """Per row of the snapshot's customer view (every customer, in the same order whatever the
    filters: :meth:`MarketingReader.customer_view`), its key in :func:`prepared`'s load rows
    (``ck``; null for a customer whose services carry none), made once per snapshot and kept
    with the ids it was made for (a view of another snapshot's customers makes its own): at a
    million customers, joining 430,000 targets to the load rows' customers on their ids was
    a quarter of a review. The projection checks the keys against the ids too."""
    run_id, made, held = _held(reader)
    ids = view["customer_id"]
    if held is not None and held[0].equals(ids):  # made from these very rows
        return held[1]
    keys = ids.to_frame().join(made.customers.select("customer_id", "ck"), on="customer_id",
                               how="left", maintain_order="left")["ck"]
    with _PREPARED_LOCK:
        if getattr(reader, "_campaign_prepared", (None,))[0] == run_id:
            reader._campaign_prepared = (run_id, made, (ids, keys))
    return keys


def _held(reader: DashboardQueries
          ) -> tuple[str, model.Prepared, tuple[pl.Series, pl.Series] | None]:
    """What :func:`prepared` and :func:`load_keys` keep on the reader, for its current run."""
    run_id = reader.snapshot_info().run_id
    with _PREPARED_LOCK:
        held = getattr(reader, "_campaign_prepared", None)
        if held is None or held[0] != run_id:
            held = (run_id, model.prepare(reader.sql("review_load", large=True),
                                          reader.sql("review_resources")), None)
            reader._campaign_prepared = held
        return held


def report_frame(projection: model.Projection) -> pl.DataFrame:
    """The review as one CSV: a row per region (verdict), per resource serving the targets
    (flagged first), per assumption and per target (its phase), told apart by ``section``."""
    regions = projection.regions.select(
        section=pl.lit("region"), region="region", verdict="verdict", targets="targets",
        resources="resources", flagged_resources="flagged",
        may_congest_resources="may_congest",
        customers_affected="customers_affected",
        revenue_at_stake_eur=pl.col("revenue_at_stake_eur").round(2))
    resources = projection.resources.select(
        section=pl.lit("resource"), region="region", resource_id="resource_id",
        resource_type="resource_type", busy_util_before_pct=pl.col("busy_util_pct").round(1),
        busy_util_after_pct=pl.col("after_util_pct").round(1),
        busy_util_high_pct=pl.col("after_high_util_pct").round(1), flagged="flagged",
        may_congest="may_congest",
        already_congested="already_congested", targets="targets")
    targets = projection.phased.select(section=pl.lit("target"), customer_id="customer_id",
                                       offer="offer", phase="phase")
    assumptions = projection.assumptions.select(
        section=pl.lit("assumption"), offer="offer", cfs_type="cfs_type",
        take_up=pl.col("take_up").round(3), uplift=pl.col("uplift").round(3), source="source",
        extra_high=pl.col("extra_high").round(3))
    threshold = pl.DataFrame({"section": ["threshold"],
                              "threshold_pct": [round(projection.threshold_pct, 2)]})
    return pl.concat([threshold, regions, resources, assumptions, targets],
                     how="diagonal_relaxed")
