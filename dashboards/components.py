"""Small layout pieces shared by pages: KPI tiles, titled cards, tables, facts, notices."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html
from dash.development.base_component import Component

from cxbridge.dashboards import feed_notices, labels, theme
from cxbridge.dashboards.data_access import (
    CHURN_TABLES,
    INCIDENT_TABLES,
    TIMELINE_TABLES,
    SnapshotReader,
)
from cxbridge.dashboards.figures import sparkline_figure
from cxbridge.dashboards.filters import Filters
from cxbridge.platform.metrics import Change, Metric, metric
from cxbridge.platform.snapshot_reading import Selection

_STATIC_GRAPH = {"displayModeBar": False, "staticPlot": True}


def glossary_anchor(metric_name: str) -> str:
    """The element id of a metric's entry on the glossary page."""
    return f"glossary-{metric_name.replace('_', '-')}"


def glossary_href(metric_name: str, query: str = "") -> str:
    """A link to a metric's glossary entry that keeps the filter state in ``query``."""
    return f"/glossary{query}#{glossary_anchor(metric_name)}"


def kpi_tile(metric: Metric, value: float | None, series: pl.DataFrame, query: str,
             id_prefix: str, note: str | None = None, comparison: Component | None = None,
             why_none: str | None = None) -> dbc.Card:
    """A tile: label, value over the range, status against target, change against the previous
    period (``comparison``, :func:`change_line`), sparkline, glossary link; ``note`` says when
    part of the filter bar does not apply to this metric, ``why_none`` (on hover) why there is
    no value."""
    status = metric.status(value)
    colour = theme.status_colour(status)
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(metric.label, className="kpi-label"),
                html.Div(
                    [
                        html.Span(
                            [html.Span(labels.format_number(metric, value),
                                       className="kpi-number"),
                             html.Span(metric.unit, className="kpi-unit")],
                            id=f"{id_prefix}-value-{metric.name}",
                            title=why_none if value is None else None,
                        ),
                        dbc.Badge(theme.status_label(status), color=colour,
                                  className="kpi-status") if status != "unknown" else None,
                    ],
                    className="kpi-value",
                ),
                html.Div(labels.target_text(metric), className="kpi-target"),
                comparison,
                dcc.Graph(figure=sparkline_figure(metric, series, colour), config=_STATIC_GRAPH,
                          responsive=True, style={"height": "44px"}, className="kpi-sparkline"),
                html.Div(note, className="kpi-note") if note else None,
                dcc.Link("What this measures", href=glossary_href(metric.name, query),
                         className="kpi-link"),
            ]
        ),
        className="kpi-tile h-100",
        style={"borderTopColor": colour},
        id=f"{id_prefix}-tile-{metric.name}",
    )


def waiting_tile(metric: Metric, reason: str, query: str, id_prefix: str) -> dbc.Card:
    """A tile for a metric whose data this snapshot lacks: what is missing, in words."""
    return dbc.Card(
        dbc.CardBody([
            html.Div(metric.label, className="kpi-label"),
            html.Div("No data yet", className="kpi-waiting"),
            html.Div(with_commands(reason), className="kpi-note"),
            dcc.Link("What this measures", href=glossary_href(metric.name, query),
                     className="kpi-link"),
        ]),
        className="kpi-tile kpi-tile-waiting h-100",
        id=f"{id_prefix}-tile-{metric.name}",
    )


def titled_card(title: str | Component, body: list, controls: object | None = None
                ) -> dbc.Card:
    """A card with a title row (and optional controls on the right) over its body; a title
    given as a component (a ``Span`` with an id) can be changed by a callback."""
    heading = [html.H2(title, className="card-title-text")]
    if controls is not None:  # a component with no children is falsy
        heading.append(controls)
    header = html.Div(heading, className="card-title-row")
    return dbc.Card(dbc.CardBody([header, *body]), className="panel h-100")


def no_snapshot_notice(message: str) -> dbc.Alert:
    """What the user sees while no snapshot is published."""
    return dbc.Alert(
        [html.Strong("No data to show yet. "), html.Span(message)],
        color="warning",
        className="mt-3",
    )


# --- tables, facts and notices --------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a :func:`data_table`: the frame's column, its header in words, how a value
    is shown (a string or a component), whether it is a number (right-aligned) and whether it
    must stay on one line."""

    key: str
    header: str
    show: Callable[[Any], Any] = str
    numeric: bool = False
    nowrap: bool = False

    @property
    def css(self) -> str | None:
        return " ".join(c for c, on in (("num", self.numeric), ("nowrap", self.nowrap)) if on) \
            or None


def data_table(frame: pl.DataFrame, columns: Sequence[Column], table_id: str | None = None,
               empty_text: str = "Nothing to show for the selected filters") -> html.Div:
    """A plain, compact table of ``frame`` with headers in words."""
    if frame.is_empty():
        return html.Div(empty_text, className="empty-text", id=table_id or "")
    head = html.Thead(html.Tr([html.Th(c.header, className="num" if c.numeric else None)
                               for c in columns]))
    body = html.Tbody([
        html.Tr([html.Td(c.show(row[c.key]), className=c.css) for c in columns])
        for row in frame.iter_rows(named=True)
    ])
    table = dbc.Table([head, body], size="sm", hover=True, className="data-table mb-0")
    return html.Div(table, className="table-wrap", **({"id": table_id} if table_id else {}))


def facts(pairs: Sequence[tuple[str, Any]], class_name: str = "facts") -> html.Dl:
    """Term / value pairs, two columns."""
    return html.Dl([part for term, value in pairs
                    for part in (html.Dt(term), html.Dd(value if value not in (None, "")
                                                        else "–"))],
                   className=class_name)


def stat(label: str, value: str, status: str | None = None, stat_id: str | None = None
         ) -> html.Div:
    """A labelled number; ``status`` colours it as everywhere else (good, watch, poor)."""
    style = {"color": theme.status_colour(status)} if status else None
    return html.Div([html.Div(value, className="stat-value", style=style,
                              **({"id": stat_id} if stat_id else {})),
                     html.Div(label, className="stat-label")], className="stat")


def status_badge(text: str, status: str) -> dbc.Badge:
    """A badge in a status colour (good, watch, poor, unknown)."""
    return dbc.Badge(text, color=theme.status_colour(status), className="status-badge")


def missing_notice(tables: Sequence[str], held: Collection[str] = frozenset(),
                   capabilities: pl.DataFrame | None = None, path: str | None = None,
                   output: str | None = None) -> dbc.Alert | None:
    """What a page tells the user when the snapshot lacks model tables, and how to get them;
    ``None`` when the notices above the page say it already.

    ``held``: the tables the snapshot does hold. A group's help (:data:`TABLE_HELP`) is for a
    snapshot without its model; one that holds the group's first table has the model, and was
    published by an earlier cxbridge before the tables it lacks: those are named instead.
    ``capabilities`` (the snapshot's, see :mod:`.feed_notices`) and the page's ``path``: a
    model that could not be built because a feed has not arrived is explained by its feeds
    (not by "run cxbridge run", which was run), and not at all on a page whose feed notice
    says it already. ``output``: the output the tables outside those groups belong to."""

    def unbuilt(output: str | None) -> str | None:
        """Why ``output`` is not built ("" when the page's feed notice says it), else None."""
        if capabilities is None or output is None or feed_notices.built(capabilities, output):
            return None
        if path is not None and output in feed_notices.shown_on(capabilities, path):
            return ""
        return feed_notices.unbuilt_text(capabilities, output)

    lines = []
    shown: set[str] = set()
    for group, (names, text) in TABLE_HELP.items():
        if not set(names) & set(tables) or names[0] in held:
            continue
        shown |= set(names)
        why = unbuilt(TABLE_OUTPUTS[group])
        if why != "":
            lines.append(html.Li(with_commands(why or text), id=f"missing-{group}"))
    rest = [t for t in tables if t not in shown]
    why = unbuilt(output) if rest else None
    if rest and why != "":
        lines.append(html.Li(with_commands(why or f"This snapshot lacks {', '.join(rest)}; "
                                                  "run `cxbridge run`.")))
    if not lines:
        return None
    return dbc.Alert([html.Strong("Part of this page has no data yet. "), html.Ul(lines)],
                     color="info", className="missing-notice")


def page_missing_notice(reader, tables: Sequence[str], path: str, output: str | None = None
                        ) -> dbc.Alert | None:
    """:func:`missing_notice` for the page at ``path`` on the snapshot ``reader`` reads."""
    return missing_notice(tables, reader.tables(), reader.capabilities(), path, output)


def outdated_notice(columns: Sequence[str], shows: str) -> dbc.Alert:
    """What a part of a page says instead of failing when the snapshot was published by an
    earlier cxbridge, before ``columns`` (``table.column``) were added; ``shows``: what that
    part would show."""
    return dbc.Alert([html.Strong("Published by an earlier cxbridge. "),
                      *with_commands(f"This snapshot lacks {', '.join(columns)}, which {shows} "
                                     "needs. The next `cxbridge run` publishes it (nothing is "
                                     "lost meanwhile).")],
                     color="info", className="missing-notice")


def with_commands(text: str) -> list:
    """Text whose `backticked` parts are commands, shown as code."""
    parts = text.split("`")
    return [html.Code(part) if i % 2 else part for i, part in enumerate(parts) if part]


TABLE_HELP: dict[str, tuple[tuple[str, ...], str]] = {
    "churn": (CHURN_TABLES,
              "Churn scores are not in this snapshot: `cxbridge run` adds them once the churn "
              "model can be trained, which needs at least 60 days of customer history (e.g. "
              "`cxbridge generate --days 90`). Until then, churn risk, revenue at risk and "
              "the risk quadrants stay empty."),
    "incidents": (INCIDENT_TABLES,
                  "The incident queue is not in this snapshot: `cxbridge run` builds the "
                  "incident models and publishes them. Until then there is no queue, no "
                  "hold-back of customers in an open incident and no time to restore."),
    "timeline": (TIMELINE_TABLES,
                 "Alarm timelines are not in this snapshot: `cxbridge run` publishes them with "
                 "the incident models."),
}
# the output (pipelines/jobs/capabilities.py) each group of tables belongs to
TABLE_OUTPUTS: dict[str, str] = {"churn": "churn_risk", "incidents": "incident_queue",
                                 "timeline": "incident_queue"}


# --- KPI tiles for a set of metrics ---------------------------------------------------------

SOURCE_HELP: dict[str, str] = {
    "churn_kpi_daily": "Needs churn scores in the snapshot: `cxbridge run` adds them once "
                       "60 days of customer history allow training the churn model.",
    "incident_kpi_daily": "Needs the incident queue in the snapshot: run `cxbridge run`.",
    "protected_kpi_daily": "Not measured: needs recorded care actions (raw/actions) and the "
                           "incident queue in the snapshot: run `cxbridge run`.",
}


# the output (pipelines/jobs/capabilities.py) each KPI source belongs to
SOURCE_OUTPUTS: dict[str, str] = {"churn_kpi_daily": "churn_risk",
                                  "incident_kpi_daily": "incident_queue",
                                  "protected_kpi_daily": "operations_protected"}


def waiting_text(m: Metric, capabilities: pl.DataFrame | None = None) -> str:
    """What a KPI whose source table the snapshot lacks needs (:data:`SOURCE_HELP`); with the
    snapshot's ``capabilities``, the feeds, when a missing feed is why it was not built."""
    output = SOURCE_OUTPUTS.get(m.source)
    if (capabilities is not None and output is not None
            and not feed_notices.built(capabilities, output)):
        return feed_notices.needs_text(capabilities, output)
    return SOURCE_HELP.get(m.source, f"Needs {m.source} in the snapshot: run `cxbridge run`.")


def kpi_tiles(reader: SnapshotReader, names: Sequence[str], filters: Filters,
              id_prefix: str) -> list[html.Div]:
    """One tile per metric, in a grid column each: value, status, sparkline, or what is
    missing. Metrics of the same source are read in one query."""
    query = filters.to_query()
    read = reader.kpi_readings(names, filters)
    capabilities = reader.capabilities() if len(read.ready) < len(names) else None
    tiles = []
    for name in names:
        m = metric(name)
        if name in read.ready:
            value, series = read.summary[name]
            reason = no_value_reason(m, filters, read.scorings)
            before = (no_value_reason(m, read.earlier, read.scorings) if read.earlier
                      else reason)
            tile = kpi_tile(m, value, series, query, id_prefix, note=unsplit_note(m, filters),
                            comparison=change_line(m, value, read.previous[name],
                                                   read.earlier, (reason, before),
                                                   f"{id_prefix}-change-{name}"),
                            why_none=reason)
        else:
            tile = waiting_tile(m, waiting_text(m, capabilities), query, id_prefix)
        tiles.append(html.Div(tile, className="col"))
    return tiles


def change_line(m: Metric, value: float | None, previous: float | None,
                earlier: Selection | None, why_none: tuple[str, str], line_id: str) -> html.Div:
    """'▲ 1.2 points vs 15–28 Sep', coloured good or poor by the metric's direction; '–' with
    the reason on hover when there is nothing to compare (``why_none``: why there is no value
    now, and in the previous period, from :func:`no_value_reason`)."""
    change = m.change(value, previous)
    if change is None or earlier is None:
        if earlier is None:
            why = "No dates to compare: the snapshot has no days"
        elif value is None:
            why = why_none[0]
        else:
            why = f"Nothing to compare with: {why_none[1][0].lower()}{why_none[1][1:]}"
        return html.Div("– vs previous period", title=why, id=line_id,
                        className="kpi-change kpi-change-none")
    status = {"better": "good", "worse": "poor"}.get(change.sense)
    return html.Div(
        f"{change_text(change)} vs {period_text(earlier.start, earlier.end)}",
        title=(f"Previous period: {labels.format_value(m, previous)} "
               f"({_SENSE_WORDS[change.sense]}; {m.direction.replace('_', ' ')})"),
        id=line_id, className=f"kpi-change kpi-change-{change.sense}",
        style={"color": theme.status_colour(status)} if status else None)


_SENSE_WORDS = {"better": "better", "worse": "worse", "same": "no change"}


def change_text(change: Change) -> str:
    """'▲ 1.2 points', '▼ 4.0 %' or '= no change' (pure)."""
    if change.sense == "same":
        return "= no change"
    arrow = "▲" if change.delta > 0 else "▼"
    return f"{arrow} {abs(change.delta):,.1f} {'%' if change.relative else 'points'}"


def period_text(start: date | None, end: date | None) -> str:
    """'15–28 Sep', '28 Aug – 10 Sep', '28 Dec 2025 – 3 Jan 2026' or '15 Sep' (pure)."""
    if start is None or end is None:
        return "the previous period"
    if start == end:
        return f"{end.day} {end:%b}"
    if start.year != end.year:
        return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {end.day} {end:%b}"
    return f"{start.day}–{end.day} {end:%b}"


def no_value_reason(m: Metric, filters: Selection,
                    scorings: tuple[date | None, date | None, int] | None) -> str:
    """Why a tile may show '–': for the churn metrics, which days the scorings so far cover (one
    scoring per run); for the others, no data for these filters in the period."""
    period = period_text(filters.start, filters.end) if filters.start and filters.end \
        else "this period"
    if m.source == "churn_kpi_daily" and scorings is not None:
        first, last, count = scorings
        if count:
            return (f"No churn scoring covers {period}: the {count} scoring(s) so far cover "
                    f"data of {period_text(first, last)} (each cxbridge run with new data "
                    "adds one)")
    if m.source == "protected_kpi_daily":
        return (f"Not measured in {period} for the chosen filters: no care after an incident, "
                "or its programme's treated and control groups are too few to tell yet")
    return f"No data in {period} for the chosen filters"


def unsplit_note(m: Metric, filters: Filters) -> str | None:
    """'Not split by service type' when a filter is set on a dimension ``m`` does not have."""
    chosen = {"region": filters.regions, "segment": filters.segments,
              "cfs_type": filters.cfs_types}
    ignored = [labels.dimension_label(d).lower() for d, v in chosen.items()
               if v and d not in m.dimensions]
    return f"Not split by {' or '.join(ignored)}: all shown" if ignored else None
