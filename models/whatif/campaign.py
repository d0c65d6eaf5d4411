"""A marketing campaign's network impact, before it goes out (issue 19).

Given a target list (customers, each with an offer), project the extra busy-hour load the
offers bring onto every cell and PON port serving the targets, flag the resources that would
exceed the congestion threshold, count the customers already on them, give a verdict per region
and a smaller first phase that stays within capacity.

**Per offer** (:func:`assumptions`): a take-up (the share of targets expected to take it) and a
usage uplift per CFS type (how much more a taker's service of that type carries). Learned from
past campaigns in the warehouse where they exist (``campaign_learned.sql``: takers' usage
after / before over the same ratio of the non-takers), else the ``[whatif]`` settings
(``campaign_take_up``, ``campaign_uplift``, per-offer ``[whatif.offers.NAME]`` with
``take_up``, ``uplift``, ``services``), else the defaults below. A learned uplift under
``UPLIFT_FLOOR`` is taken as no uplift (the noise of a few dozen takers).

**Per resource** (:func:`project`): its busy-hour utilisation before (``campaign_resources.sql``:
the median over the last seven days of each day's highest hourly mean) grows in proportion to
the traffic the takers add to it, the traffic reaching it through the same shares the marts use
(``campaign_load.sql``: core.service_access_shares × the service's daily volume)::

    after = before × (1 + Σ_targets take_up × (uplift − 1) × volume_on_resource / volume_total)

A resource is flagged when ``after`` reaches the congestion threshold the incident models use
(``incidents.detection_thresholds``, ``congested_util_pct``). An offer without history is a
guess, so it is projected as a range: up to ``extra_high`` times the configured extra load
(``[whatif] campaign_extra_high``, default ``DEFAULT_EXTRA_HIGH``); a learned offer is a point
(``extra_high`` 1). A resource the guess keeps under the threshold but the high end takes to
within the planning margin of it (``campaign_margin_pts``, default ``DEFAULT_MARGIN_PTS``, the
projection's typical error) *may congest*: operations check it; it is not flagged. Customers
affected: those with a service carrying at least ``cell_share_min`` of its traffic on a flagged
resource (above the threshold the busy hour of everybody there degrades: the experience index's
poor line). A region is *hold* when a resource there would be offered more than its capacity
(after ≥ 100 %), *needs capacity* when one is flagged, else *ready*. The **phased list**:
targets in priority order join the first phase while every flagged resource they load keeps its
projected utilisation under the threshold (a running sum per resource, so the first phase alone
stays within capacity); the others wait for capacity.

The run precomputes what the dashboard needs (:func:`build`: ``whatif.campaign_load``,
``whatif.campaign_resources``, ``whatif.campaign_offers``, ``whatif.campaign_reference``), so
that a projection is one join of the target list to the load rows and one aggregation.
I/O is at the edges; :func:`project`, :func:`verdicts`, :func:`phases` are pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import numpy as np
import polars as pl

from cxbridge.platform.errors import UserError
from cxbridge.platform.warehouse import query, read_sql, scalar, table_exists

SQL = Path(__file__).resolve().parent / "sql"

NO_ACCESS = "(on no cell or port)"  # the region row of targets whose services use neither
HOLD_UTIL_PCT = 100.0  # offered more than capacity: hold the campaign there
UPLIFT_FLOOR = 1.1  # a learned uplift below this is no uplift (the noise of a few dozen takers)
LEARN_MIN_DAYS = 3  # a past campaign teaches once it has been out this many days
DEFAULT_THRESHOLD_PCT = 95.0  # without incident models: the detector's ceiling
DEFAULT_TAKE_UP, DEFAULT_UPLIFT = 0.3, 1.5
# an offer without history may bring up to this many times its configured extra load: a guess
# is a range, and the operator's first guess at a new offer is often off by that much
DEFAULT_EXTRA_HIGH = 2.0
# a resource projected within this many points under the threshold may congest: about the
# projection's median error on cells, as `cxbridge evaluate` measures it (section what_if)
DEFAULT_MARGIN_PTS = 3.0
DEFAULT_SERVICES = ("ftth", "mobile_data")


class OfferGuess(NamedTuple):
    """An offer's configured take-up, uplift and the CFS types it upgrades, and the high end of
    the range its extra load may reach (a multiple of ``take_up × (uplift − 1)``)."""

    take_up: float
    uplift: float
    services: tuple[str, ...]
    extra_high: float = DEFAULT_EXTRA_HIGH


@dataclass(frozen=True)
class Configured:
    """The ``[whatif]`` settings, checked: each offer's :class:`OfferGuess` (``'*'`` for an
    offer nobody configured) and the planning margin under the threshold, in points."""

    offers: Mapping[str, OfferGuess]
    margin_pts: float = DEFAULT_MARGIN_PTS

    def __getitem__(self, offer: str) -> OfferGuess:
        return self.offers[offer]

    def __contains__(self, offer: object) -> bool:
        return offer in self.offers

    def get(self, offer: str, default: OfferGuess | None = None) -> OfferGuess | None:
        return self.offers.get(offer, default)


# configured defaults per offer when neither the history nor [whatif] says otherwise
DEFAULT_OFFERS: dict[str, OfferGuess] = {
    "data_boost": OfferGuess(0.4, 2.0, ("mobile_data",)),
    "speed_upgrade": OfferGuess(0.3, 1.5, ("ftth",)),
    "tv_bundle": OfferGuess(0.25, 1.3, ("ftth",)),
    "upsell": OfferGuess(0.2, 1.5, ("ftth", "mobile_data")),
    "retention": OfferGuess(0.4, 1.1, ("ftth", "mobile_data")),
    "service_recovery": OfferGuess(0.5, 1.0, ()),
}
BUILT_TABLES = ("whatif.campaign_load", "whatif.campaign_resources", "whatif.campaign_offers",
                "whatif.campaign_reference")
ASSUMPTION_SCHEMA = {"offer": pl.String, "cfs_type": pl.String, "take_up": pl.Float64,
                     "uplift": pl.Float64, "source": pl.String, "extra_high": pl.Float64}


class CampaignError(UserError, ValueError):
    """A campaign that cannot be projected; the message says what to change."""


@dataclass(frozen=True)
class Projection:
    """A projection's parts: per resource, per region, the phased target list, the customers
    affected, and the assumptions and threshold it used."""

    resources: pl.DataFrame
    regions: pl.DataFrame
    phased: pl.DataFrame
    affected: pl.DataFrame
    assumptions: pl.DataFrame
    threshold_pct: float
    margin_pts: float = 0.0


# ---- settings -------------------------------------------------------------------------------

def _number(where: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise CampaignError(f"{where} is {value!r}: expected a number from {low:g} to {high:g}")
    return float(value)


def configured_offers(whatif: Mapping[str, object]) -> Configured:
    """Per offer its :class:`OfferGuess` from the ``[whatif]`` settings over the defaults:
    ``campaign_take_up`` / ``campaign_uplift`` / ``campaign_extra_high`` for any offer,
    ``[whatif.offers.NAME]`` for one; and ``campaign_margin_pts``. Errors name the config file
    and key."""
    where = f"config file {whatif.get('config_file', 'cxbridge.toml')}: [whatif]"
    known = {"config_file", "campaign_take_up", "campaign_uplift", "campaign_extra_high",
             "campaign_margin_pts", "offers"}
    unknown = set(whatif) - known
    if unknown:
        raise CampaignError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}; the "
                            "campaign projection reads campaign_take_up, campaign_uplift, "
                            "campaign_extra_high, campaign_margin_pts and "
                            "[whatif.offers.NAME] take_up, uplift, services, extra_high")
    take_up = _number(f"{where} campaign_take_up", whatif.get("campaign_take_up",
                                                              DEFAULT_TAKE_UP), 0, 1)
    uplift = _number(f"{where} campaign_uplift", whatif.get("campaign_uplift",
                                                            DEFAULT_UPLIFT), 1, 20)
    extra_high = _number(f"{where} campaign_extra_high",
                         whatif.get("campaign_extra_high", DEFAULT_EXTRA_HIGH), 1, 10)
    margin = _number(f"{where} campaign_margin_pts",
                     whatif.get("campaign_margin_pts", DEFAULT_MARGIN_PTS), 0, 50)
    offers = {name: guess._replace(extra_high=extra_high)
              for name, guess in DEFAULT_OFFERS.items()}
    offers["*"] = OfferGuess(take_up, uplift, DEFAULT_SERVICES, extra_high)
    table = whatif.get("offers", {})
    if not isinstance(table, dict):
        raise CampaignError(f"{where} offers must be tables, e.g. [whatif.offers.data_boost]")
    for name, spec in table.items():
        at = f"{where}.offers.{name}"
        if not isinstance(spec, dict) or set(spec) - set(OfferGuess._fields):
            raise CampaignError(f"{at} takes take_up (0–1), uplift (≥ 1), services (a list "
                                "of CFS types, e.g. [\"mobile_data\"]) and extra_high (1–10)")
        base = offers.get(name.lower(), offers["*"])
        services = spec.get("services", list(base.services))
        if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
            raise CampaignError(f"{at} services must be a list of CFS types, e.g. [\"ftth\"]")
        offers[name.lower()] = OfferGuess(
            _number(f"{at} take_up", spec.get("take_up", base.take_up), 0, 1),
            _number(f"{at} uplift", spec.get("uplift", base.uplift), 1, 20), tuple(services),
            _number(f"{at} extra_high", spec.get("extra_high", base.extra_high), 1, 10))
    return Configured(offers, margin)


def assumption_rows(offers: tuple[str, ...], learned: pl.DataFrame,
                    configured: Configured) -> pl.DataFrame:
    """Per offer and CFS type: take-up, uplift, where they come from and the high end of the
    extra load's range (pure). An offer past campaigns show is learned (uplifts under
    ``UPLIFT_FLOOR`` dropped) and a point (``extra_high`` 1); any other offer takes its
    configured guess (``configured['*']`` for an offer nobody configured) and its range."""
    rows = []
    for offer in dict.fromkeys(o.lower() for o in offers):
        seen = learned.filter(pl.col("offer") == offer)
        if seen.height:
            n = int(seen["campaigns"][0])
            source = f"learned from {n} past campaign{'s' if n != 1 else ''}"
            for r in seen.filter(pl.col("uplift") >= UPLIFT_FLOOR).iter_rows(named=True):
                rows.append((offer, r["cfs_type"], float(r["take_up"]), float(r["uplift"]),
                             source, 1.0))
            if not seen.filter(pl.col("uplift") >= UPLIFT_FLOOR).height:
                rows.append((offer, None, float(seen["take_up"][0]), 1.0, source, 1.0))
            continue
        guess = configured.get(offer, configured["*"])
        source = "configured" if offer in configured else "configured (any offer)"
        for cfs_type in guess.services or (None,):
            rows.append((offer, cfs_type, guess.take_up, guess.uplift if cfs_type else 1.0,
                         source, guess.extra_high))
    return pl.DataFrame(rows, schema=ASSUMPTION_SCHEMA, orient="row")


# ---- I/O: the warehouse ---------------------------------------------------------------------

def threshold_pct(con) -> float:
    """The congestion threshold the incident models derived or were given."""
    if table_exists(con, "incidents.detection_thresholds"):
        value = scalar(con, "select value from incidents.detection_thresholds "
                            "where name = 'congested_util_pct' and scope = 'network'")
        if value is not None:
            return float(value)
    return DEFAULT_THRESHOLD_PCT


def cell_share_min(con) -> float:
    if table_exists(con, "core.impact_params"):
        value = scalar(con, "select cell_share_min from core.impact_params")
        if value is not None:
            return float(value)
    return 0.3


def learned(con, as_of: date) -> pl.DataFrame:
    """What past campaigns out for ``LEARN_MIN_DAYS`` before ``as_of`` show (empty without the
    campaigns feed)."""
    if not table_exists(con, "stg.campaigns"):
        return pl.DataFrame(schema={"offer": pl.String, "cfs_type": pl.String,
                                    "campaigns": pl.Int64, "targets": pl.Int64,
                                    "takers": pl.Int64, "take_up": pl.Float64,
                                    "uplift": pl.Float64})
    return query(con, read_sql(SQL / "campaign_learned.sql"),
                 {"as_of": as_of, "min_days": LEARN_MIN_DAYS})


def load_rows(con, as_of: date) -> pl.DataFrame:
    return query(con, read_sql(SQL / "campaign_load.sql"), {"as_of": as_of})


def resource_rows(con, as_of: date) -> pl.DataFrame:
    return query(con, read_sql(SQL / "campaign_resources.sql"), {"as_of": as_of})


def latest_day(con) -> date | None:
    """The last day of traffic shares the warehouse holds."""
    if not table_exists(con, "core.service_access_shares"):
        return None
    return scalar(con, "select max(date) from core.service_access_shares")


def build(con) -> None:
    """Precompute what the review page and the CLI look up, as of the day after the last
    known day: the load rows, the resources' busy hour, the offers' assumptions (learned and
    configured defaults: the configured ones are applied at projection time) and the
    reference (as_of, threshold, cell_share_min). Needs the service marts and PM counters."""
    needed = ("core.service_access_shares", "core.cfs", "core.resources", "stg.usage",
              "stg.kpi_15min")
    if not all(table_exists(con, t) for t in needed):
        return
    last = latest_day(con)
    if last is None:
        return
    as_of = last + timedelta(days=1)
    con.execute("create schema if not exists whatif")
    for table, sql in (("whatif.campaign_load", "campaign_load.sql"),
                       ("whatif.campaign_resources", "campaign_resources.sql")):
        con.execute(f"create or replace table {table} as {read_sql(SQL / sql)}",
                    {"as_of": as_of})
    frame = learned(con, as_of)  # noqa: F841 (registered with DuckDB by name below)
    con.execute("create or replace table whatif.campaign_offers as select * from frame")
    con.execute("create or replace table whatif.campaign_reference as select "
                "cast($as_of as date) as as_of, cast($threshold as double) as threshold_pct, "
                "cast($share as double) as cell_share_min",
                {"as_of": as_of, "threshold": threshold_pct(con), "share": cell_share_min(con)})


def is_built(con) -> bool:
    """Whether the run's campaign tables are there, in their current layout."""
    return all(table_exists(con, t) for t in BUILT_TABLES) and bool(scalar(
        con, "select count(*) from information_schema.columns where table_schema = 'whatif' "
             "and table_name = 'campaign_resources' and column_name = 'volume_mb'"))


# ---- pure: the projection -------------------------------------------------------------------

@dataclass(frozen=True)
class Prepared:
    """The load rows and resources keyed by dense integers (``ck`` customer, ``rk`` resource,
    ``sk`` service, ``tk`` CFS type), made once per snapshot (:func:`prepare`): joins and
    groupings on integers take half the time of those on identifiers, which keeps a
    50,000-customer projection inside the dashboard's budget."""

    load: pl.DataFrame  # ck, rk, sk, tk, share, mb_per_day, monthly_price_eur; by ck
    customers: pl.DataFrame  # customer_id, ck, customer_region
    resources: pl.DataFrame  # the resources' columns, rk and volume_mb
    types: tuple[str, ...] = ()  # the CFS types in key order (tk)


def prepare(load: pl.DataFrame, resources: pl.DataFrame) -> Prepared:
    """Key the load rows (``campaign_load.sql``) and resources (``campaign_resources.sql``);
    a resource without its daily volume gets it from the load rows. Load rows of a resource
    without a measured busy hour are left out (nothing to project it from)."""
    customers = (load.group_by("customer_id").agg(pl.col("customer_region").min())
                 .sort("customer_id").with_row_index("ck").with_columns(
                     pl.col("ck").cast(pl.Int32)))
    services = (load.select("service_id").unique().sort("service_id")
                .with_row_index("sk").with_columns(pl.col("sk").cast(pl.Int32)))
    resources = resources.sort("resource_id").with_row_index("rk").with_columns(
        pl.col("rk").cast(pl.Int32))
    types = tuple(load["cfs_type"].drop_nulls().unique().sort().to_list())
    keyed = (load.join(customers.select("customer_id", "ck"), on="customer_id")
             .join(resources.select("resource_id", "rk"), on="resource_id")
             .join(services, on="service_id")
             .select("ck", "rk", "sk", _key("cfs_type", types).alias("tk"), "share",
                     "mb_per_day", "monthly_price_eur")
             .sort("ck"))  # joined to the targets on it: a third faster sorted
    if "volume_mb" not in resources.columns:
        resources = resources.join(keyed.group_by("rk").agg(volume_mb=pl.col("mb_per_day")
                                                             .sum()), on="rk", how="left",
                                   maintain_order="left")  # in rk order: row rk is rk
    return Prepared(keyed, customers, resources.with_columns(pl.col("volume_mb").fill_null(0.0)),
                    types)


def _key(column: str, values: tuple[str, ...]) -> pl.Expr:
    """``column``'s position among ``values`` (Int16; null for any other value)."""
    return pl.col(column).replace_strict({v: i for i, v in enumerate(values)}, default=None,
                                         return_dtype=pl.Int16)


def project(targets: pl.DataFrame, load: pl.DataFrame, resources: pl.DataFrame,
            assumptions: pl.DataFrame, threshold: float, share_min: float,
            margin_pts: float = 0.0) -> Projection:
    """The projection of ``targets`` (customer_id, offer; optionally ``priority``: lower goes
    first, and ``region``) over the load rows and resources (as ``campaign_load.sql`` /
    ``campaign_resources.sql`` give them) under ``assumptions`` (:func:`assumption_rows`)."""
    return project_prepared(targets, prepare(load, resources), assumptions, threshold,
                            share_min, margin_pts)


def project_prepared(targets: pl.DataFrame, prepared: Prepared, assumptions: pl.DataFrame,
                     threshold: float, share_min: float, margin_pts: float = 0.0
                     ) -> Projection:
    """:func:`project` on load rows and resources already :func:`prepare`-d. ``targets`` may
    carry each customer's key in them (``ck``, null for a customer without load rows), as a
    caller keeping the keys per snapshot does (the dashboard); else they are looked up."""
    targets = _with_customers(_ordered_targets(targets), prepared)
    if "extra_high" not in assumptions.columns:  # a point: no range
        assumptions = assumptions.with_columns(extra_high=pl.lit(1.0))
    # the offers and CFS types as integer keys (ok, tk): joining 1.4 M rows of a million
    # customers' campaign to the assumptions on their names took a sixth of a review
    offers = tuple(assumptions["offer"].unique().sort().to_list())
    applied = assumptions.filter(pl.col("cfs_type").is_not_null()).select(
        _key("offer", offers).alias("ok"), _key("cfs_type", prepared.types).alias("tk"),
        "take_up", "uplift", "extra_high").drop_nulls(["ok", "tk"])
    mine = (targets.filter(pl.col("ck").is_not_null())
            .select("rank", "ck", _key("offer", offers).alias("ok"))
            .join(prepared.load.select("ck", "rk", "tk", "mb_per_day"), on="ck"))
    # every target service's rows, once (with what the extra load needs of them)
    contrib = (mine.join(applied, on=["ok", "tk"])
               .with_columns(extra_mb=pl.col("mb_per_day") * pl.col("take_up")
                             * (pl.col("uplift") - 1)))
    per_resource = contrib.group_by("rk").agg(
        extra_mb=pl.col("extra_mb").sum(),
        extra_high_mb=(pl.col("extra_mb") * pl.col("extra_high").fill_null(1.0)).sum(),
        targets=pl.col("ck").n_unique(),
        expected_takers=pl.col("take_up").sum())
    serving = np.bincount(mine["rk"].to_numpy(), minlength=prepared.resources.height) > 0
    out = (prepared.resources.filter(pl.Series(serving))  # the resources keyed in rk order
           .join(per_resource, on="rk", how="left")
           .with_columns(pl.col("extra_mb", "extra_high_mb", "expected_takers").fill_null(0.0),
                         pl.col("targets").fill_null(0).cast(pl.Int64))
           .with_columns(extra_util_pct=_extra_util("extra_mb"),
                         extra_high_util_pct=_extra_util("extra_high_mb"))
           .with_columns(after_util_pct=pl.col("busy_util_pct") + pl.col("extra_util_pct"),
                         after_high_util_pct=pl.col("busy_util_pct")
                         + pl.col("extra_high_util_pct"))
           .with_columns(flagged=(pl.col("after_util_pct") >= threshold)
                         & (pl.col("extra_util_pct") > 0))
           .with_columns(may_congest=~pl.col("flagged")
                         & (pl.col("after_high_util_pct") >= threshold - margin_pts)
                         & (pl.col("extra_util_pct") > 0),
                         already_congested=pl.col("busy_util_pct") >= threshold,
                         # the extra daily volume the resource takes before the threshold
                         headroom_mb=pl.when(pl.col("busy_util_pct") > 0).then(
                             (threshold - pl.col("busy_util_pct")).clip(0)
                             / pl.col("busy_util_pct") * pl.col("volume_mb")).otherwise(0.0))
           .drop("extra_high_mb", "extra_high_util_pct")
           .sort(["flagged", "may_congest", "after_util_pct", "resource_id"],
                 descending=[True, True, True, False]))
    flagged = out.filter(pl.col("flagged"))
    affected = affected_customers(prepared, flagged, share_min)
    return Projection(resources=out.drop("rk"), regions=verdicts(out, affected, targets),
                      phased=phases(contrib, flagged, targets), affected=affected,
                      assumptions=assumptions, threshold_pct=threshold,
                      margin_pts=margin_pts)


def _with_customers(targets: pl.DataFrame, prepared: Prepared) -> pl.DataFrame:
    """``targets`` with their key (``ck``) and region in the load rows (null when none). Keys
    a caller gives are used when they are these load rows' keys of the targets' ids (checked:
    keys made for another snapshot's rows would project other customers), else looked up."""
    if "ck" in targets.columns:
        # the customers are in key order (prepare): the key is their row
        keyed = prepared.customers.select("customer_id", "customer_region").gather(
            targets["ck"].cast(pl.Int64))
        if keyed["customer_id"].equals(targets["customer_id"].cast(pl.String).set(
                targets["ck"].is_null(), None)):
            return targets.with_columns(customer_region=keyed["customer_region"])
        targets = targets.drop("ck")
    return targets.join(prepared.customers, on="customer_id", how="left",
                        maintain_order="left")


def _extra_util(extra: str) -> pl.Expr:
    """The busy-hour utilisation an extra daily volume adds, in proportion to the volume the
    resource carries now."""
    return (pl.when(pl.col("volume_mb") > 0)
            .then(pl.col("busy_util_pct") * pl.col(extra) / pl.col("volume_mb")).otherwise(0.0))


def _ordered_targets(targets: pl.DataFrame) -> pl.DataFrame:
    """One row per customer (the first offer given), lowercased offers, with its rank."""
    if "priority" not in targets.columns:
        targets = targets.with_columns(priority=pl.lit(0.0))
    if "region" in targets.columns:  # kept apart from the resources' region
        targets = targets.rename({"region": "target_region"}).with_columns(
            pl.col("target_region").cast(pl.String))
    offers = targets["offer"].unique().drop_nulls()
    if not offers.equals(offers.str.to_lowercase()):  # lowercasing every row only if needed
        targets = targets.with_columns(pl.col("offer").str.to_lowercase())
    targets = targets.with_columns(pl.col("priority").cast(pl.Float64))
    if not _in_order_once(targets):
        targets = (targets.unique("customer_id", keep="first", maintain_order=True)
                   .sort(["priority", "customer_id"]))
    return targets.with_row_index("rank")


def _in_order_once(targets: pl.DataFrame) -> bool:
    """Whether the targets are already one row per customer in strictly rising priority (the
    builder's list is; keeping the first row per customer and ordering 430,000 of them again
    was a sixth of a review at a million customers): two passes instead of a sort."""
    priority = targets["priority"]
    return (priority.null_count() == 0 and bool((priority.diff().drop_nulls() > 0).all())
            and targets["customer_id"].n_unique() == targets.height)


def affected_customers(prepared: Prepared, flagged: pl.DataFrame, share_min: float
                       ) -> pl.DataFrame:
    """The customers with a service carrying at least ``share_min`` of its traffic on a flagged
    resource, with the monthly revenue of those services (each counted once) and the worst
    projected utilisation among the flagged resources they use."""
    keys = flagged["rk"].implode()  # a filter, then a join with the few flagged rows
    rows = (prepared.load.filter(pl.col("rk").is_in(keys) & (pl.col("share") >= share_min))
            .join(flagged.select("rk", "after_util_pct"), on="rk")
            .group_by("ck", "sk").agg(pl.col("monthly_price_eur").first(),
                                      pl.col("after_util_pct").max()))
    return (rows.group_by("ck").agg(services=pl.len(),
                                    monthly_revenue_eur=pl.col("monthly_price_eur").sum(),
                                    worst_util_pct=pl.col("after_util_pct").max())
            .join(prepared.customers, on="ck")
            .select("customer_id", region="customer_region", services=pl.col("services")
                    .cast(pl.Int64), monthly_revenue_eur="monthly_revenue_eur",
                    worst_util_pct="worst_util_pct")
            .sort("customer_id"))


def verdicts(resources: pl.DataFrame, affected: pl.DataFrame, targets: pl.DataFrame
             ) -> pl.DataFrame:
    """Per region of the targets: targets, resources serving them, flagged resources, those
    that may congest (an unproven offer's range reaches the threshold), the customers affected
    and their monthly revenue at stake, and the verdict (from the flags, not the range). A
    target's region is the one it comes with (the builder's), else its services'; one whose
    services use no cell or port and that comes with none is counted under ``NO_ACCESS``."""
    region = pl.col("customer_region")
    if "target_region" in targets.columns:
        region = pl.col("target_region").fill_null(region)
    where = targets.group_by(region=region.fill_null(NO_ACCESS)).agg(targets=pl.len())
    res = resources.group_by("region").agg(
        resources=pl.len(), flagged=pl.col("flagged").sum().cast(pl.Int64),
        may_congest=pl.col("may_congest").sum().cast(pl.Int64),
        over_capacity=(pl.col("flagged") & (pl.col("after_util_pct") >= HOLD_UTIL_PCT))
        .sum().cast(pl.Int64),
        worst_util_pct=pl.col("after_util_pct").max())
    hit = affected.group_by("region").agg(customers_affected=pl.len(),
                                          revenue_at_stake_eur=pl.col("monthly_revenue_eur")
                                          .sum())
    return (where.join(res, on="region", how="full", coalesce=True)
            .join(hit, on="region", how="left")
            .with_columns(pl.col("targets", "resources", "flagged", "may_congest",
                                 "over_capacity", "customers_affected").fill_null(0),
                          pl.col("revenue_at_stake_eur").fill_null(0.0))
            .with_columns(verdict=pl.when(pl.col("over_capacity") > 0).then(pl.lit("hold"))
                          .when(pl.col("flagged") > 0).then(pl.lit("needs capacity"))
                          .otherwise(pl.lit("ready")))
            .sort("region"))


def phases(contrib: pl.DataFrame, flagged: pl.DataFrame, targets: pl.DataFrame
           ) -> pl.DataFrame:
    """Every target with its phase: 1 when, in priority order, the running extra load on each
    flagged resource it uses stays within that resource's headroom to the threshold (so phase 1
    alone keeps every resource under it); 2 (after capacity is added) otherwise. ``targets``
    in priority order (:func:`_ordered_targets`' rank), the phased list phase by phase in it.
    """
    # a target's rows are contiguous in rank order, so checking the running sum at each of
    # its rows is checking it after all of them
    late = (contrib.select("rank", "ck", "rk", "extra_mb")
            .join(flagged.select("rk", "headroom_mb"), on="rk")
            .sort("rank", maintain_order=True)
            .with_columns(running=pl.col("extra_mb").cum_sum().over("rk"))
            .filter(pl.col("running") > pl.col("headroom_mb"))["ck"].unique())
    # the targets are in priority order (then by id: _ordered_targets), so the phased list is
    # the first phase's rows then the second's, each in that order (no sort of every target)
    phased = targets.select("customer_id", "offer", "priority", phase=pl.when(
        pl.col("ck").is_in(late.implode())).then(2).otherwise(1).cast(pl.Int32))
    return pl.concat([phased.filter(pl.col("phase") == 1),
                      phased.filter(pl.col("phase") == 2)])
