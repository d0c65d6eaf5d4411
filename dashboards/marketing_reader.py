"""The Marketing page's reads (and the campaign export's): every customer's outlook over the
chosen period, and what drives churn risk.

Each customer's experience over the chosen dates comes from an in-memory index of running sums
built once per snapshot (:mod:`cxbridge.dashboards.period_index`), so a new period costs
milliseconds instead of an aggregation of ``customer_daily``. What does not depend on the dates
(attributes, latest churn score, open incident, marketing consent) is joined once per snapshot
too, in the index's row order: a filter change joins nothing. The consent facts in the base are
codes and flags only (:data:`cxbridge.dashboards.campaign.REACH_COLUMNS`); names, e-mails and
phones are read for the export alone.
"""

from __future__ import annotations

import functools
import threading

import polars as pl

from cxbridge.dashboards import campaign, period_index
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.queries import CHURN_TABLES, DashboardQueries, sql_text
from cxbridge.platform.crc32 import crc32_each
from cxbridge.platform.snapshot import snapshot_names
from cxbridge.platform.snapshot_reading import SnapshotKey

# what the customer outlook is built from
CUSTOMER_TABLES: tuple[str, ...] = snapshot_names("marts.customer_daily", "marts.customers")

(CHURN_DRIVERS,) = snapshot_names("marts.churn_drivers")
# the uplift model's expected effects (models/outcomes/uplift.py), when recorded actions allow
UPLIFT_TABLES: tuple[str, ...] = snapshot_names("marts.customer_uplift",
                                                "marts.uplift_programmes")


class MarketingReader(DashboardQueries):
    """Customer outlooks, built once per snapshot and filter choice however many callbacks ask
    at once, and the churn model's drivers."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # the operator's country calling code for national phone numbers (campaign.e164):
        # [dashboard] phone_country_code
        dashboard = self._settings.dashboard
        self.country_code = (dashboard.phone_country_code if dashboard
                             else campaign.DEFAULT_COUNTRY_CODE)
        # held while a customer view (and, the first time, the customer base) is built
        self._view_lock = threading.Lock()
        self._customer_base = functools.lru_cache(maxsize=2)(self._build_customer_base)
        self._contact_details = functools.lru_cache(maxsize=2)(self._build_contact_details)
        self._view = functools.lru_cache(maxsize=4)(self._build_view)

    def customer_outlook(self, filters: Filters) -> pl.DataFrame:
        """One row per customer in service in the period and matching the filter bar:
        experience over the period, poor days, days active, fault minutes, segment, region,
        service types, revenue, latest churn score (null without ``churn_scores``), open
        incident they are inside (null without the incident tables), quadrant and offer
        (:func:`cxbridge.dashboards.campaign.outlook`): the rows in view of
        :meth:`customer_view`, copied."""
        return campaign.rows_in_view(self.customer_view(filters))

    def customer_view(self, filters: Filters) -> pl.DataFrame:
        """Every customer with what :meth:`customer_outlook` holds and ``in_view``
        (:func:`cxbridge.dashboards.campaign.customer_view`): what the Marketing page's
        callbacks and the campaign export share, cached per snapshot and filters. Read it
        through :func:`cxbridge.dashboards.campaign.viewed` (the few columns needed, the rows
        in view) or :func:`cxbridge.dashboards.campaign.campaign`."""
        key = self.key()
        with self._view_lock:
            return self._view(key, filters)

    def churn_drivers(self, filters: Filters) -> pl.DataFrame:
        """What drives churn risk among the filtered customers at high risk (every filter of
        the bar: dates, regions, segments, service types): ``reason``, ``customers``, best
        first, with ``network`` (rooted in the network) from the model's driver summary when
        the snapshot has one. Counted from the customer view, so the chart and the quadrant
        counts always describe the same customers."""
        high = campaign.viewed(self.customer_view(filters), "customer_id", "churn_probability",
                               "risk_band", "reason_1", "reason_2", "reason_3").filter(
            pl.col("risk_band") == "high")
        kinds = None if self.missing(CHURN_DRIVERS) else self.sql("churn_reason_kinds")
        return campaign.churn_drivers(high, kinds=kinds)

    def uplift_ranking(self) -> tuple[bool, str]:
        """Whether the builder may rank by expected effect, and what to say: the offers an
        uplift is published for, or why none is (one small table, cached per snapshot)."""
        if self.missing(*UPLIFT_TABLES):
            return False, ("Expected effect needs recorded actions with control groups "
                           "(raw/actions/ or the builder's recorded exports): ranked by churn "
                           "risk until then.")
        programmes = self.sql("uplift_programmes").filter(pl.col("programme") != "all")
        used = programmes.filter(pl.col("published") & pl.col("offer").is_not_null())
        if used.is_empty():
            reasons = "; ".join(f"{p}: {r}" for p, r in programmes.filter(
                pl.col("offer").is_not_null()).select("programme", "reason").iter_rows())
            return False, ("No offer has enough recorded outcomes for an expected effect yet"
                           + (f" ({reasons})" if reasons else "") + ".")
        offers = sorted({campaign.OFFERS[o] for o in used["offer"] if o in campaign.OFFERS})
        return True, (f"Expected effect (churn reduction within {used['window_days'][0]} days,"
                      f" learned from recorded actions and controls) for: {', '.join(offers)};"
                      " other offers follow, by churn risk.")

    def campaign_contact_details(self) -> pl.DataFrame:
        """Every customer's names, usable e-mail and E.164 phone
        (:func:`cxbridge.dashboards.campaign.contact_details`), for the campaign export of a
        role allowed contact details only; built once per snapshot (at scale 1 it was most of
        an export's time when built per download)."""
        key = self.key()
        with self._view_lock:
            return self._contact_details(key)

    def warm_up(self) -> None:
        """The customer period index and base, the default period's outlook and the campaign
        export's contact details (the first Marketing view or export builds them otherwise;
        nothing to build without the customer marts)."""
        if not self.missing(*CUSTOMER_TABLES):
            self.customer_view(self.filter_options().default)
            self.campaign_contact_details()
        super().warm_up()

    def cache_clear(self, keep_indexes: bool = False) -> None:
        """As :meth:`SnapshotReading.cache_clear`; ``keep_indexes`` keeps the customer period
        index and base too."""
        super().cache_clear(keep_indexes)
        self._view.cache_clear()
        if not keep_indexes:
            self._customer_base.cache_clear()
            self._contact_details.cache_clear()

    def _campaign_contacts(self) -> pl.DataFrame:
        """Every customer's row of ``campaign_contacts.sql``, the columns a snapshot lacks
        added as unknown (null)."""
        return campaign.complete_contacts(self.sql("campaign_contacts", large=True))

    def _build_contact_details(self, key: SnapshotKey) -> pl.DataFrame:
        _, base = self._customer_base(key)
        return campaign.contact_details(self._campaign_contacts(), base, self.country_code)

    def _build_view(self, key: SnapshotKey, filters: Filters) -> pl.DataFrame:
        index, base = self._customer_base(key)
        return campaign.customer_view(base, index.columns(filters.start, filters.end), filters)

    def _build_customer_base(self, key: SnapshotKey
                             ) -> tuple[period_index.PeriodIndex, pl.DataFrame]:
        """Every customer's base (:func:`cxbridge.dashboards.campaign.customer_base`, with the
        CRC-32 of each id the control groups are drawn from: ``campaign.ID_CRC``; most
        revenue at risk first) and the
        period index aligned with it (a column per base row): what a new period needs, built
        once per snapshot."""
        index = period_index.build(self.run(key, sql_text("customer_days_all")))
        scores = None if self.missing(*CHURN_TABLES) else self.sql("churn_latest", large=True)
        held = (None if self.missing_for("open_incident_customers")
                else self.sql("open_incident_customers"))
        reach = campaign.reachability(self._campaign_contacts(),
                                      self.country_code).select("customer_id",
                                                                *campaign.REACH_COLUMNS)
        uplift = None if self.missing(*UPLIFT_TABLES) else self.sql("customer_uplift",
                                                                      large=True)
        base = campaign.customer_base(self.sql("customer_attributes", large=True), scores,
                                      held, reach, uplift)
        # most revenue at risk first (stable: ties in id order), the order a campaign ranked
        # by risk lists them in, so that ranking its customers is a check, not a sort
        base = base.sort("revenue_at_risk_eur", descending=True, nulls_last=True,
                         maintain_order=True)
        base = base.with_columns(crc32_each(base["customer_id"]).alias(campaign.ID_CRC))
        return index.aligned(base["customer_id"]), base
