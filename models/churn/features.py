"""Churn inputs from the warehouse: snapshot dates, features, labels, and how reasons are worded.

A **snapshot** is the start of a day ``s``: what was known then is every day before ``s``.
For each snapshot the SQL in ``models/churn/sql/`` gives one row per customer in service
(features from the ``lookback`` days before ``s``) and a label: one of their CFS ends within the
``horizon`` days from ``s`` on. Snapshots are ``interval`` days apart, counted back from the
last one whose horizon the data fully covers, so the newest labels are used; the scoring date
is the day after the last day of data. With the defaults (30/30/30) a model needs 60 days of
history and a temporal holdout (train on earlier snapshots, test on the latest) needs 90.

:data:`FEATURES` is the single list of model inputs: each has a type, a network flag (rooted
in the network: outages, faults, poor-experience days, the experience index, complaints about
the network) and a function that words a reason in plain language from the customer's row
("2 local outages on broadband in the last 30 days").

Faults are split by how widely they were shared (features.sql): a fault whose resource hit at
least :data:`SHARED_FROM` of the services in service that day (a resolver pool, a core router)
is everyone's and is counted apart (``shared_fault_hours``); the others are on the customer's
own access path (a cell, a fibre port, an OLT), and count as the customer's own outages when
the customer felt them (at least :data:`FELT_FROM` of their sessions failed that day, or no
sessions were measured): hours, hours in the last week, outages, the longest, and the hours
since the last one ended. The split is taken from the data (reach and sessions), never from
resource names or kinds, which differ between operators. Without alarms or usage the features
are constant and :func:`feature_spec` leaves them out, as for any absent feed. The totals
(``fault_hours``, ``outages``: every fault, shared or not, felt or not) stay in the rows but
are no model input: on the generated world most fault-hours were resolver, BNG and transport
alarms that cut nobody's service, so the totals blurred the outages that did.

A numeric feature is a reason only when the customer's value is unusual (:func:`unusual`: in
the outer tenth of the customers scored on the same day, on the risky side, and at least the
feature's ``min_change`` from the typical value), so that a network reason means the customer's
network experience really was out of the ordinary, not what a network-wide outage gave
everybody.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl

from cxbridge.models.churn.tabular import ChurnDataError, FeatureSpec, infer_feature_spec
from cxbridge.platform.warehouse import query, read_sql, rows, table_exists

SQL = Path(__file__).resolve().parent / "sql"

ID = "customer_id"
SNAPSHOT = "snapshot_date"
LABEL = "churned"
NEEDED_TABLES = ("marts.customer_daily", "marts.service_experience_daily", "core.cfs",
                 "core.service_fault_intervals", "stg.customers", "stg.services",
                 "stg.tickets", "stg.surveys")
# a fault that hit at least this share of the services in service that day (its resource's
# reach) is shared, network-wide (a DNS pool, a core router); below it, it is on the own access
# path of the customers it hit (a cell, a PON port, an OLT): see features.sql. A quarter: well
# above what one access or aggregation node serves, well below what a network-wide event hits
SHARED_FROM = 0.25
# an own fault counts as an outage the customer felt when at least this share of their sessions
# failed that day (features.sql): on the generated world a fifth separates the faults that cut
# service from those that only degraded it or that protection absorbed
FELT_FROM = 0.2
SERVICE_WORDS = {"ftth": "broadband", "iptv": "TV", "mobile_data": "mobile data",
                 "mobile_voice": "mobile calls", "enterprise_vpn": "the VPN"}
DRIVER_WORDS = {"availability": "outages", "accessibility": "failed connections",
                "retainability": "dropped connections", "throughput": "slow speed",
                "latency": "slow response", "loss": "packet loss", "voice": "call quality",
                "video": "TV freezing"}
CONTRACT_WORDS = {"month-to-month": "a month-to-month contract (free to leave any time)",
                  "one_year": "a one-year contract", "two_year": "a two-year contract"}


class NotEnoughHistoryError(ChurnDataError):
    """The warehouse holds too few days for the snapshots asked for; says how many are needed."""


@dataclass(frozen=True)
class Schedule:
    """How snapshots are taken: days of features before each, days of outcome after each,
    days between snapshots."""

    lookback_days: int = 30
    horizon_days: int = 30
    interval_days: int = 30

    def __post_init__(self) -> None:
        if self.lookback_days < 14:
            raise ChurnDataError(f"lookback must be at least 14 days (two weeks: the last week "
                                 f"is compared with the days before it), got "
                                 f"{self.lookback_days}")
        if self.horizon_days < 1 or self.interval_days < 1:
            raise ChurnDataError("horizon and interval must be at least 1 day")

    @property
    def days_to_train(self) -> int:
        return self.lookback_days + self.horizon_days

    @property
    def days_to_validate(self) -> int:
        """Days for a test snapshot with a training snapshot whose outcome is known by then."""
        step = -(-self.horizon_days // self.interval_days) * self.interval_days
        return self.lookback_days + step + self.horizon_days

    def as_dict(self) -> dict[str, int]:
        return {"lookback_days": self.lookback_days, "horizon_days": self.horizon_days,
                "interval_days": self.interval_days}


@dataclass(frozen=True)
class History:
    first_day: date
    last_day: date

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def scoring_date(self) -> date:
        """The day after the last day of data: scores say who leaves from then on."""
        return self.last_day + timedelta(days=1)


def history(con: duckdb.DuckDBPyConnection) -> History:
    """The days of customer history in the warehouse; an error saying what to run if none."""
    missing = [t for t in NEEDED_TABLES if not table_exists(con, t)]
    if missing:
        raise ChurnDataError(f"the churn model needs {', '.join(missing)}, which the warehouse "
                             f"lacks: run `cxbridge run` first")
    first, last, _ = rows(con, read_sql(SQL / "history.sql"))[0]
    if first is None:
        raise NotEnoughHistoryError("marts.customer_daily is empty: no customer history to "
                                    "learn churn from; ingest the feeds and run `cxbridge run`")
    return History(first, last)


def training_dates(found: History, schedule: Schedule) -> list[date]:
    """Labelled snapshot dates, oldest first; an actionable error when there are none."""
    earliest = found.first_day + timedelta(days=schedule.lookback_days)
    latest = found.last_day + timedelta(days=1 - schedule.horizon_days)
    if latest < earliest:
        raise NotEnoughHistoryError(
            f"the warehouse holds {found.days} days of customer history ({found.first_day} to "
            f"{found.last_day}); training needs at least {schedule.days_to_train}: "
            f"{schedule.lookback_days} days of features before the first snapshot and "
            f"{schedule.horizon_days} days after it to see who left (a temporal holdout needs "
            f"{schedule.days_to_validate}). Load more history, e.g. "
            f"`cxbridge generate --days {schedule.days_to_validate}` then `cxbridge run`, or "
            f"shorten --lookback / --horizon")
    dates, day = [], latest
    while day >= earliest:
        dates.append(day)
        day -= timedelta(days=schedule.interval_days)
    return sorted(dates)


def holdout_split(dates: list[date], schedule: Schedule) -> tuple[list[date], date] | None:
    """(training dates, test date): the latest snapshot is the test; training uses only the
    snapshots whose horizon had ended by then. None when no snapshot qualifies."""
    if not dates:
        return None
    test = dates[-1]
    train = [d for d in dates if d + timedelta(days=schedule.horizon_days) <= test]
    return (train, test) if train else None


def features(con: duckdb.DuckDBPyConnection, dates: list[date],
             schedule: Schedule) -> pl.DataFrame:
    """One row per customer in service × snapshot date (see models/churn/sql/features.sql)."""
    return query(con, read_sql(SQL / "features.sql"),
                 {"snapshots": list(dates), "lookback": schedule.lookback_days,
                  "shared_from": SHARED_FROM, "felt_from": FELT_FROM})


def labels(con: duckdb.DuckDBPyConnection, dates: list[date], schedule: Schedule
           ) -> pl.DataFrame:
    return query(con, read_sql(SQL / "labels.sql"),
                 {"snapshots": list(dates), "horizon": schedule.horizon_days})


def labelled(con: duckdb.DuckDBPyConnection, dates: list[date],
             schedule: Schedule) -> pl.DataFrame:
    """Features with the ``churned`` label (0/1)."""
    frame = features(con, dates, schedule).join(
        labels(con, dates, schedule).select(SNAPSHOT, ID, LABEL), on=[SNAPSHOT, ID], how="left")
    return frame.with_columns(pl.col(LABEL).fill_null(False).cast(pl.Int8))


# --- the model inputs and their wording -------------------------------------------------------

Wording = Callable[[Mapping[str, object], Schedule], str]


@dataclass(frozen=True)
class Input:
    name: str
    kind: str            # numeric | categorical
    label: str           # what the feature is, for tables and the model card
    network: bool
    word: Wording        # the reason, from the customer's row
    # the least distance from the typical value worth a reason, in the feature's own unit (one
    # outage, five index points): a value must also lie in the population's outer tail
    # (:func:`unusual`)
    min_change: float = 0.0
    # for a change (last week against the weeks before), the value meaning "no change": the
    # change itself must then be at least ``min_change`` too, as the reason quotes it
    neutral: float | None = None


def _n(row: Mapping, name: str) -> float:
    value = row.get(name)
    return float(value) if value is not None else float("nan")


def _plural(count: float, word: str, plural: str | None = None) -> str:
    number = round(count)
    return f"{number} {word if number == 1 else (plural or word + 's')}"


def _service(row: Mapping, column: str, before: str = " on ") -> str:
    kind = row.get(column)
    if not kind:
        return ""
    return before + SERVICE_WORDS.get(str(kind), str(kind).replace("_", " "))


def _hours(hours: float) -> str:
    if hours < 1:
        return f"{round(hours * 60)} minutes"
    return f"{hours:.0f} hours" if hours >= 10 else f"{hours:.1f} hours"


def _window(schedule: Schedule) -> str:
    return f"in the last {schedule.lookback_days} days"


def _poor(row: Mapping, schedule: Schedule) -> str:
    driver = DRIVER_WORDS.get(str(row.get("poor_driver")), "")
    where = _service(row, "poor_service", ", mostly on ")
    return (f"{_plural(_n(row, 'poor_days'), 'poor-experience day')} {_window(schedule)}{where}"
            + (f" ({driver})" if where and driver else ""))


def _sei_change(row: Mapping, schedule: Schedule) -> str:
    change = _n(row, "sei_change_7d")
    direction = "fell" if change < 0 else "rose"
    return (f"experience index {direction} {abs(change):.0f} points in the last week"
            f"{_service(row, 'poor_service', ', worst on ')}")


def _usage(row: Mapping, schedule: Schedule) -> str:
    change = _n(row, "usage_change_7d_pct")
    return (f"uses the services {abs(change):.0f} % {'less' if change < 0 else 'more'} in the "
            f"last week than the weeks before")


def _tenure(row: Mapping, schedule: Schedule) -> str:
    days = _n(row, "tenure_days")
    if days < 730:
        return f"customer for only {_plural(days / 30.44, 'month')}"
    return f"customer for {days / 365.25:.0f} years"


def _contract(row: Mapping, schedule: Schedule) -> str:
    return f"on {CONTRACT_WORDS.get(str(row.get('contract_type')), 'an unknown contract')}"


def _renewal(row: Mapping, schedule: Schedule) -> str:
    days = _n(row, "days_to_renewal")
    if days == 0 or row.get("contract_type") == "month-to-month":
        return _contract(row, schedule)  # said once: duplicate reasons are dropped
    return f"contract up for renewal in {_plural(days, 'day')}"


def _since_own_outage(row: Mapping, schedule: Schedule) -> str:
    hours = _n(row, "hours_since_own_outage")
    when = f"{_plural(hours / 24, 'day')} ago" if hours >= 48 else f"{_hours(hours)} ago"
    return f"last local outage{_service(row, 'own_outage_service')} ended {when}"


def _premium(row: Mapping, schedule: Schedule) -> str:
    pct = _n(row, "price_premium_pct")
    return (f"pays {abs(pct):.0f} % {'more' if pct >= 0 else 'less'} than customers on the "
            f"same plan")


FEATURES: tuple[Input, ...] = (
    Input("own_fault_hours", "numeric", "hours with a local fault (own access path) in the "
          "window", True,
          lambda r, s: f"{_hours(_n(r, 'own_fault_hours'))} with a local network fault"
                       f"{_service(r, 'own_outage_service')} {_window(s)}", min_change=1),
    Input("own_fault_hours_7d", "numeric", "hours with a local fault in the last week", True,
          lambda r, s: f"{_hours(_n(r, 'own_fault_hours_7d'))} with a local network fault"
                       f"{_service(r, 'own_outage_service')} in the last week", min_change=1),
    Input("own_outages", "numeric", "local outages (own access path) in the window", True,
          lambda r, s: f"{_plural(_n(r, 'own_outages'), 'local outage')}"
                       f"{_service(r, 'own_outage_service')} {_window(s)}", min_change=1),
    Input("longest_own_outage_hours", "numeric", "longest local outage in the window, hours",
          True, lambda r, s: f"a local outage{_service(r, 'own_outage_service')} of "
                             f"{_hours(_n(r, 'longest_own_outage_hours'))} {_window(s)}",
          min_change=1),
    Input("hours_since_own_outage", "numeric", "hours since the last local outage ended (the "
          "window's length when none)", True, _since_own_outage, min_change=24),
    Input("shared_fault_hours", "numeric", "hours with a widely shared fault in the window",
          True, lambda r, s: f"{_hours(_n(r, 'shared_fault_hours'))} with a network-wide fault "
                             f"{_window(s)}", min_change=1),
    Input("poor_days", "numeric", "poor-experience days in the window", True, _poor, min_change=1),
    Input("poor_days_7d", "numeric", "poor-experience days in the last week", True,
          lambda r, s: f"{_plural(_n(r, 'poor_days_7d'), 'poor-experience day')} in the last "
                       f"week{_service(r, 'poor_service', ', mostly on ')}", min_change=1),
    Input("sei_mean", "numeric", "mean experience index (worst service) in the window", True,
          lambda r, s: f"experience index of only {_n(r, 'sei_mean'):.0f}/100 {_window(s)}"
                       f"{_service(r, 'poor_service', ', worst on ')}", min_change=5),
    Input("sei_change_7d", "numeric", "change of the experience index in the last week", True,
          _sei_change, min_change=5, neutral=0.0),
    Input("network_tickets", "numeric", "complaints about the network in the window", True,
          lambda r, s: f"{_plural(_n(r, 'network_tickets'), 'complaint')} about the network "
                       f"{_window(s)}", min_change=1),
    Input("unresolved_network_tickets", "numeric",
          "complaints about the network unresolved at the snapshot", True,
          lambda r, s: f"{_plural(_n(r, 'unresolved_network_tickets'), 'complaint')} about "
                       f"the network still unresolved", min_change=1),
    Input("other_tickets", "numeric", "other contacts with customer care in the window", False,
          lambda r, s: f"{_plural(_n(r, 'other_tickets'), 'contact')} with customer care "
                       f"(billing, plan, equipment …) {_window(s)}", min_change=1),
    Input("unresolved_other_tickets", "numeric", "other tickets unresolved at the snapshot",
          False, lambda r, s: f"{_plural(_n(r, 'unresolved_other_tickets'), 'ticket')} "
                              f"(billing, plan, equipment …) still unresolved", min_change=1),
    Input("repeat_tickets", "numeric", "repeat contacts about a ticket still open", False,
          lambda r, s: f"{_plural(_n(r, 'repeat_tickets'), 'repeat contact')} about a ticket "
                       f"still open {_window(s)}", min_change=1),
    Input("usage_change_7d_pct", "numeric", "usage change, last week against the weeks before",
          False, _usage, min_change=20, neutral=0.0),
    Input("survey_score", "numeric", "last survey score (0–10)", False,
          lambda r, s: f"gave a survey score of {_n(r, 'survey_score'):.0f}/10", min_change=2),
    Input("tenure_days", "numeric", "days as a customer", False, _tenure),
    Input("contract_type", "categorical", "contract", False, _contract),
    Input("days_to_renewal", "numeric", "days until the contract's renewal date", False,
          _renewal),
    Input("price_premium_pct", "numeric", "price against customers on the same plan, %", False,
          _premium, min_change=5),
    Input("monthly_revenue_eur", "numeric", "monthly revenue, EUR", False,
          lambda r, s: f"monthly bill of €{_n(r, 'monthly_revenue_eur'):,.2f}"),
    Input("services_active", "numeric", "services held", False,
          lambda r, s: f"holds {_plural(_n(r, 'services_active'), 'service')}", min_change=1),
    Input("segment", "categorical", "segment", False,
          lambda r, s: f"{str(r.get('segment')).replace('smb', 'SMB')} customer"),
    Input("region", "categorical", "region", False,
          lambda r, s: f"located in {r.get('region')}"),
    Input("payment_method", "categorical", "payment method", False,
          lambda r, s: f"pays by {str(r.get('payment_method')).replace('_', ' ')}"),
    Input("loyalty_tier", "categorical", "loyalty tier", False,
          lambda r, s: f"loyalty tier: {r.get('loyalty_tier')}"),
)
# inputs of models saved before the own/shared split: no longer fitted, still worded, so such
# a model keeps scoring with reasons until the next training replaces it
RETIRED: tuple[Input, ...] = (
    Input("outages", "numeric", "outages in the window", True,
          lambda r, s: f"{_plural(_n(r, 'outages'), 'outage')}"
                       f"{_service(r, 'outage_service')} {_window(s)}", min_change=1),
    Input("fault_hours", "numeric", "hours with a network fault in the window", True,
          lambda r, s: f"{_hours(_n(r, 'fault_hours'))} with a network fault"
                       f"{_service(r, 'outage_service')} {_window(s)}", min_change=1),
)
BY_NAME = {f.name: f for f in (*FEATURES, *RETIRED)}
CONTEXT = ("poor_service", "poor_driver", "outage_service", "own_outage_service",
           "days_observed")
UNUSUAL_TAIL = 0.1


def feature_spec(frame: pl.DataFrame) -> FeatureSpec:
    """The model's features (types forced, so a small world cannot flip a count to binary);
    columns that are constant or always blank in ``frame`` are left out, with the reason."""
    columns = [f.name for f in FEATURES]
    spec = infer_feature_spec(frame.select(ID, *columns, LABEL), label=LABEL, id_column=ID,
                              kinds={f.name: f.kind for f in FEATURES})
    kept = [BY_NAME[name] for name in spec.names]
    return spec.with_wording({f.name: f"{f.label}: {{value}} (typical: {{reference}})"
                              for f in kept}, [f.name for f in kept if f.network])


def feature_ranges(frame: pl.DataFrame, spec: FeatureSpec) -> dict[str, list[float]]:
    """Each numeric feature's [min, max] in ``frame`` (the training rows), for the card and for
    :func:`clip_to_ranges`."""
    out = {}
    for name in spec.of_kind("numeric"):
        column = frame.get_column(name).cast(pl.Float64).drop_nulls().drop_nans()
        if column.len():
            out[name] = [float(column.min()), float(column.max())]
    return out


def feature_norms(frame: pl.DataFrame, spec: FeatureSpec) -> dict[str, list[float]]:
    """Each numeric feature's [low, typical, high] among the rows of ``frame`` (every customer
    scored on one day): the :data:`UNUSUAL_TAIL` and 1 − :data:`UNUSUAL_TAIL` quantiles around
    the median (nearest rank), for :func:`unusual`."""
    out = {}
    for name in spec.of_kind("numeric"):
        column = frame.get_column(name).cast(pl.Float64).drop_nulls().drop_nans()
        if column.len():
            out[name] = [float(column.quantile(q, interpolation="nearest"))
                         for q in (UNUSUAL_TAIL, 0.5, 1 - UNUSUAL_TAIL)]
    return out


def unusual(feature: str, value: object, norm: list[float] | None) -> bool:
    """Whether a numeric value is out of the ordinary enough to be a reason: on one side of the
    typical (median) value, in that side's outer :data:`UNUSUAL_TAIL` of the customers,
    and at least the feature's ``min_change`` away from typical (and from its ``neutral`` value,
    for a change). Without norms every value qualifies; a blank one never does."""
    if norm is None:
        return True
    if value is None or value != value:
        return False
    low, typical, high = norm
    spec = BY_NAME.get(feature)
    step = spec.min_change if spec else 0.0
    number = float(value)
    if number > typical:
        references = [typical] if spec is None or spec.neutral is None else [typical, spec.neutral]
        return number >= high and all(number - r >= step for r in references)
    if number < typical:
        references = [typical] if spec is None or spec.neutral is None else [typical, spec.neutral]
        return number <= low and all(r - number >= step for r in references)
    return False


def clip_to_ranges(frame: pl.DataFrame, ranges: Mapping[str, list[float]]) -> pl.DataFrame:
    """Numeric features held within the range seen in training, so that no model extrapolates
    (a logistic regression would read 600 fault hours, e.g. from an alarm whose clear was
    lost, as certain churn); reasons still quote the customer's own values."""
    return frame.with_columns([pl.col(name).cast(pl.Float64).clip(low, high)
                               for name, (low, high) in ranges.items() if name in frame.columns])


def sentence(feature: str, row: Mapping[str, object], schedule: Schedule) -> str:
    """A reason in plain language; a blank value is said to be unknown."""
    spec = BY_NAME[feature]
    if row.get(feature) is None:
        return f"{spec.label}: unknown"
    return spec.word(row, schedule)
