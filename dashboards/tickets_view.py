"""The Care tickets page's data and layout pieces: readers that ask the snapshot through
:class:`~cxbridge.dashboards.data_access.SnapshotReader` (``dashboards/sql/tickets_*.sql``), and the
numbers, tables and notices built from what they return.

Nothing here shows one ticket's words: counts, categories, places and phrases that at least
:data:`cxbridge.dashboards.roles.PHRASE_MIN_TICKETS` tickets share, so the page serves every role.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import dash_bootstrap_components as dbc
import polars as pl
from dash import html

from cxbridge.dashboards import labels
from cxbridge.dashboards.components import Column, data_table, period_text, stat, with_commands
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.figures_tickets import family_label
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.roles import PHRASE_MIN_TICKETS
from cxbridge.platform.snapshot import snapshot_names

TICKET_TABLES: tuple[str, ...] = snapshot_names("marts.ticket_daily", "marts.ticket_phrases",
                                                "marts.tickets")
REGION_ROWS = 12
PHRASE_ROWS = 10
NO_TICKETS = ("No care tickets in this snapshot. Tickets come from a care system's export "
              "(the `tickets` feed: `raw/tickets/*.csv`, TMF621-like: ticket id, created, "
              "status, category, description) or from a consumer-complaints export (the "
              "`complaints` feed: `raw/complaints/*.csv`, the public Comcast layout); add "
              "either and run `cxbridge run`.")


@dataclass(frozen=True)
class TicketSummary:
    """The tickets opened in the period: counts, and resolution time as a ratio of sums."""

    tickets: int
    network_tickets: int
    open_tickets: int
    resolved_tickets: int
    timed_tickets: int
    minutes_to_resolve_sum: int
    resolved_within_24h: int

    @property
    def network_share(self) -> float | None:
        return self.network_tickets / self.tickets if self.tickets else None

    @property
    def mean_hours_to_resolve(self) -> float | None:
        """Mean over the tickets that record a resolution time; None when none does."""
        return self.minutes_to_resolve_sum / self.timed_tickets / 60 if self.timed_tickets \
            else None

    @property
    def within_24h_share(self) -> float | None:
        return self.resolved_within_24h / self.timed_tickets if self.timed_tickets else None


@dataclass(frozen=True)
class TicketSpan:
    """Every ticket of the snapshot, whatever the filters."""

    tickets: int
    first_date: date | None
    last_date: date | None


# --- readers ---------------------------------------------------------------------------------

def has_tickets(reader: SnapshotReader) -> bool:
    """Whether the snapshot holds the ticket marts (it may hold them empty)."""
    return not reader.missing(*TICKET_TABLES)


def span(reader: SnapshotReader) -> TicketSpan:
    return TicketSpan(**reader.sql("tickets_span").row(0, named=True))


def summary(reader: SnapshotReader, filters: Filters) -> TicketSummary:
    return TicketSummary(**reader.sql("tickets_summary", filters).row(0, named=True))


def by_day(reader: SnapshotReader, filters: Filters) -> pl.DataFrame:
    """``date``, ``family``, ``tickets``."""
    return reader.sql("tickets_by_day", filters)


def by_category(reader: SnapshotReader, filters: Filters) -> pl.DataFrame:
    """``family``, ``category``, ``tickets``, ``open_tickets``, commonest first."""
    return reader.sql("tickets_by_category", filters)


def by_region(reader: SnapshotReader, filters: Filters, rows: int = REGION_ROWS
              ) -> pl.DataFrame:
    """``region``, ``tickets``, ``network_tickets`` of the ``rows`` busiest regions."""
    return reader.sql("tickets_by_region", filters, rows=rows)


def by_status(reader: SnapshotReader, filters: Filters) -> pl.DataFrame:
    """``status``, ``tickets``, ``network_tickets``, ``timed_tickets``,
    ``minutes_to_resolve_sum``."""
    return reader.sql("tickets_by_status", filters)


def resolve_bands(reader: SnapshotReader, filters: Filters) -> pl.DataFrame:
    """``band`` (1–5), ``network``, ``tickets`` over the tickets that record a resolution."""
    return reader.sql("tickets_resolve_hours", filters)


def phrases(reader: SnapshotReader, filters: Filters, family: str = "network",
            rows: int = PHRASE_ROWS) -> pl.DataFrame:
    """``phrase``, ``tickets``: the phrases most ``family`` tickets share, each shared by at
    least :data:`~cxbridge.dashboards.roles.PHRASE_MIN_TICKETS` tickets."""
    return reader.sql("tickets_phrases", filters, family=family, rows=rows,
                      min_tickets=PHRASE_MIN_TICKETS)


# --- layout pieces ---------------------------------------------------------------------------

def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def stats_row(s: TicketSummary, before: TicketSummary | None = None,
              earlier: Filters | None = None) -> html.Div:
    """Tickets, the network's share, open, mean time to resolve and within a day; the first
    two against the period just before (``before``, over ``earlier``), as the KPI tiles."""
    mean = s.mean_hours_to_resolve
    opened = stat("Tickets opened", labels.format_count(s.tickets), stat_id="tickets-count")
    network = stat("About the network", f"{_share(s.network_share)} "
                   f"({labels.format_count(s.network_tickets)})",
                   stat_id="tickets-network-share")
    opened.children.append(ticket_change(
        s.tickets, before.tickets if before else None, earlier, "tickets-count-change"))
    network.children.append(ticket_change(
        s.network_share, before.network_share if before else None, earlier,
        "tickets-network-change", points=True))
    return html.Div([
        opened,
        network,
        stat("Still open", labels.format_count(s.open_tickets), stat_id="tickets-open"),
        stat("Mean time to resolve", "not recorded" if mean is None
             else labels.format_minutes(mean * 60), stat_id="tickets-mean-resolve"),
        stat("Resolved within a day", _share(s.within_24h_share)),
    ], className="stat-row")


def ticket_change(now: float | None, before: float | None, earlier: Filters | None,
                  line_id: str, points: bool = False) -> html.Div:
    """'▲ 12 % vs 1–14 Mar' (a count) or '▼ 3.0 points vs …' (a share) against the period
    just before; more tickets read as worse. '–' when either period has none."""
    if now is None or before is None or earlier is None or (not points and before == 0):
        return html.Div("– vs previous period", id=line_id,
                        className="kpi-change kpi-change-none")
    delta = 100 * (now - before) if points else 100 * (now - before) / before
    sense = "same" if abs(delta) < 0.05 else ("worse" if delta > 0 else "better")
    text = ("= no change" if sense == "same" else
            f"{'▲' if delta > 0 else '▼'} {abs(delta):,.1f} {'points' if points else '%'}")
    return html.Div(f"{text} vs {period_text(earlier.start, earlier.end)}", id=line_id,
                    className=f"kpi-change kpi-change-{sense}")


def period_note(s: TicketSummary, whole: TicketSpan, filters: Filters) -> str:
    """How the period's tickets sit in the snapshot's, and which filters do not apply."""
    parts = [f"{labels.format_count(s.tickets)} of the snapshot's "
             f"{labels.format_count(whole.tickets)} tickets "
             f"({labels.format_day(whole.first_date)} – {labels.format_day(whole.last_date)})"
             " fall in the period and filters."]
    if filters.cfs_types:
        parts.append("Tickets are not split by service type: that filter is not applied.")
    if s.tickets and not s.timed_tickets:
        parts.append("No ticket here records when it was resolved (a complaints export gives "
                     "the status only), so times to resolve are not shown.")
    return " ".join(parts)


def status_table(status: pl.DataFrame) -> html.Div:
    """Tickets per status, network tickets among them, mean time to resolve where recorded."""
    shown = status.with_columns(mean_minutes=pl.when(pl.col("timed_tickets") > 0).then(
        pl.col("minutes_to_resolve_sum") / pl.col("timed_tickets")))
    columns = (
        Column("status", "Status", lambda v: labels.code_label("status", v), nowrap=True),
        Column("tickets", "Tickets", labels.format_count, numeric=True),
        Column("network_tickets", "Network", labels.format_count, numeric=True),
        Column("mean_minutes", "Mean time to resolve", labels.format_minutes, numeric=True),
    )
    return data_table(shown, columns, "tickets-status-table", "No tickets")


def phrases_table(found: pl.DataFrame) -> html.Div:
    """The phrases network tickets share most, with how many tickets hold each."""
    columns = (Column("phrase", "Phrase", lambda v: f"“{v}”"),
               Column("tickets", "Tickets", labels.format_count, numeric=True))
    note = html.Div(f"Two-word phrases of the network tickets' texts (brand names set aside), "
                    f"each shared by at least {PHRASE_MIN_TICKETS} tickets.",
                    className="card-note")
    return html.Div([note, data_table(found, columns, "tickets-phrases-table",
                                      "No phrase shared by enough network tickets")])


def no_tickets_notice() -> dbc.Alert:
    """What the page says when the snapshot holds no ticket at all, and how to add them."""
    return dbc.Alert([html.Strong("Nothing to show yet. "), *with_commands(NO_TICKETS)],
                     color="info", id="tickets-none")


def family_legend_text() -> str:
    """The four families in words, for the page's subtitle."""
    return ", ".join(family_label(f) for f in ("network", "billing", "service", "other"))
