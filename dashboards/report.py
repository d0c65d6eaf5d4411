"""The weekly executive report, as data and as HTML: pure functions, no I/O.

The report is the Overview's tiles for one ISO week (every KPI of the metric registry with its
value, status word, target and change against the week before, worked out by the same pieces the
tiles use: :mod:`cxbridge.dashboards.components`, :mod:`~cxbridge.dashboards.labels`,
:mod:`~cxbridge.dashboards.theme`), a trend of each headline KPI over the last eight weeks, the
churn risk and revenue at risk of every scoring, the week's incidents that hurt most customers,
what the feeds behind the snapshot could not measure, and which snapshot it came from.

:mod:`cxbridge.dashboards.report_render` reads the snapshot into a :class:`WeeklyReport` (through
the dashboard's :class:`~cxbridge.dashboards.data_access.SnapshotReader`) and draws the figures
built here; :func:`render_html` turns both into one self-contained HTML page (inline CSS and
SVG, no script, nothing fetched), every value escaped. The report holds aggregates only (no
customer, no contact detail), so writing it is not an export of personal data.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import polars as pl

from cxbridge.dashboards import figures, labels, theme
from cxbridge.dashboards.components import change_text, period_text
from cxbridge.platform.errors import UserError
from cxbridge.platform.metrics import HEADLINE, METRICS, Change, Metric, metric

TREND_WEEKS = 8
TOP_INCIDENTS = 5
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- weeks ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Week:
    """An ISO week: Monday to Sunday."""

    year: int
    number: int

    @property
    def start(self) -> date:
        return date.fromisocalendar(self.year, self.number, 1)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def label(self) -> str:
        """'2026-W48'."""
        return f"{self.year}-W{self.number:02d}"

    def shifted(self, weeks: int) -> Week:
        """The week ``weeks`` later (earlier when negative)."""
        year, number, _ = (self.start + timedelta(weeks=weeks)).isocalendar()
        return Week(year, number)

    @classmethod
    def of(cls, day: date) -> Week:
        year, number, _ = day.isocalendar()
        return cls(year, number)


def parse_week(text: str) -> Week:
    """'2026-W48' → that ISO week; anything else is a :class:`UserError` saying the form."""
    found = _WEEK.match(text.strip())
    if found:
        try:
            day = date.fromisocalendar(int(found[1]), int(found[2]), 1)
        except ValueError:
            day = None
        if day is not None:
            return Week.of(day)
    raise UserError(f"--week {text!r} is not an ISO week: write it as YYYY-Www, e.g. 2026-W48 "
                    "(weeks run Monday to Sunday; a year has 52 or 53)")


def last_complete_week(first: date | None, last: date | None) -> Week:
    """The latest ISO week whose seven days all lie in ``first`` … ``last`` (the snapshot's
    days); a :class:`UserError` when there is none."""
    if first is None or last is None:
        raise UserError("the snapshot holds no days of data: run `cxbridge run` on feeds with "
                        "customer KPIs, then make the report")
    sunday = last - timedelta(days=(last.isoweekday() % 7))
    if sunday - timedelta(days=6) < first:
        raise UserError(f"the snapshot covers {labels.format_day(first)} to "
                        f"{labels.format_day(last)}: no complete ISO week (Monday to Sunday) "
                        "in it; give one with --week YYYY-Www")
    return Week.of(sunday)


def check_week_has_data(week: Week, first: date | None, last: date | None) -> None:
    """A :class:`UserError` when ``week`` lies outside the snapshot's days."""
    if first is None or last is None or week.end < first or week.start > last:
        covers = (f"covers {labels.format_day(first)} to {labels.format_day(last)}"
                  if first and last else "holds no days of data")
        raise UserError(f"no data for week {week.label} ({period_text(week.start, week.end)}): "
                        f"the snapshot {covers}; choose a week in it with --week YYYY-Www")


# --- what the report holds -----------------------------------------------------------------

@dataclass(frozen=True)
class KpiLine:
    """One KPI for the week, as its tile shows it; ``waiting`` says why a KPI whose source the
    snapshot lacks has no value, ``why_none`` why a KPI with a source has none this week."""

    metric: Metric
    value: float | None
    previous: float | None
    waiting: str | None = None
    why_none: str | None = None

    @property
    def status(self) -> str:
        return self.metric.status(self.value)

    @property
    def change(self) -> Change | None:
        return self.metric.change(self.value, self.previous)


@dataclass(frozen=True)
class WeeklyReport:
    """Everything the report shows, read from one snapshot (see report_render.read_report).

    ``trends``: per headline KPI, one row per week (``week``, ``start``, ``value``);
    ``churn``: one row per scoring day (``date``, ``churn_risk``, ``revenue_at_risk``);
    ``incidents``: the week's queue rows, most customers first; ``not_measured``: the
    capabilities rows not (fully) built; ``notes``: parts left out, in words."""

    week: Week
    run_id: str
    built_at: datetime | None
    first_date: date | None
    last_date: date | None
    generated_at: datetime
    kpis: list[KpiLine]
    trends: dict[str, pl.DataFrame]
    churn: pl.DataFrame
    incidents: pl.DataFrame
    not_measured: list[dict]
    notes: list[str] = field(default_factory=list)


def kpi_order() -> list[Metric]:
    """The Overview's order: the headline KPIs, then the others in registry order."""
    return [metric(n) for n in HEADLINE] + [m for m in METRICS if m.name not in HEADLINE]


def trend_weeks(week: Week) -> list[Week]:
    """The :data:`TREND_WEEKS` weeks ending with ``week``, oldest first."""
    return [week.shifted(-k) for k in range(TREND_WEEKS - 1, -1, -1)]


def top_incidents(queue: pl.DataFrame, rows: int = TOP_INCIDENTS) -> pl.DataFrame:
    """The queue's incidents that hurt most customers (then most services, then the queue's own
    rank), at most ``rows``; an incident that hurt no customer and no service is not one of
    them, however high it ranks for the network."""
    if queue.is_empty():
        return queue
    queue = queue.filter((pl.col("affected_customers").fill_null(0) > 0)
                         | (pl.col("affected_services").fill_null(0) > 0))
    return queue.sort(["affected_customers", "affected_services", "rank"],
                      descending=[True, True, False], nulls_last=True).head(rows)


# --- figures (plotly dicts; report_render draws them as SVG) -------------------------------

def weekly_trend_figure(m: Metric, weeks: pl.DataFrame) -> dict:
    """One KPI week by week, markers coloured by status, the target and poor lines as on the
    Overview's trend; a week without data is a gap, never a zero."""
    values = weeks["value"].to_list()
    trace = {"type": "scatter", "mode": "lines+markers", "name": m.label,
             "x": weeks["week"].to_list(), "y": values, "connectgaps": False,
             "line": {"color": theme.ACCENT, "width": 2},
             "marker": {"size": 7, "color": [theme.status_colour(m.status(v)) for v in values]}}
    shapes, notes = figures.reference_lines(m, horizontal=True)
    return {"data": [trace], "layout": theme.layout(
        xaxis={"type": "category", "tickfont": {"size": 10}},
        yaxis={"title": {"text": m.unit}, "tickfont": {"size": 10}},
        shapes=shapes, annotations=notes, margin={"l": 8, "r": 8, "t": 8, "b": 8})}


def churn_figure(churn: pl.DataFrame, start: date, end: date) -> dict:
    """Churn risk (left axis) and revenue at risk (right axis) at every scoring, over the
    eight weeks ``start`` … ``end`` (a day without a scoring is no point, never a zero)."""
    risk, revenue = metric("churn_risk"), metric("revenue_at_risk")
    x = churn["date"].to_list()
    traces = [
        {"type": "scatter", "mode": "lines+markers", "name": risk.label, "x": x,
         "y": churn["churn_risk"].to_list(), "line": {"color": theme.SERIES[0], "width": 2}},
        {"type": "scatter", "mode": "lines+markers", "name": revenue.label, "x": x,
         "y": churn["revenue_at_risk"].to_list(), "yaxis": "y2",
         "line": {"color": theme.SERIES[1], "width": 2, "dash": "dash"}},
    ]
    return {"data": traces, "layout": theme.layout(
        xaxis={"type": "date", "tickformat": "%d %b", "tickfont": {"size": 10},
               "range": [start.isoformat(), (end + timedelta(days=1)).isoformat()]},
        yaxis={"title": {"text": risk.unit}, "tickfont": {"size": 10}},
        yaxis2={"title": {"text": revenue.unit}, "overlaying": "y",
                "side": "right", "showgrid": False, "tickfont": {"size": 10},
                "automargin": True},
        showlegend=True, legend={"orientation": "h", "y": -0.2},
        margin={"l": 8, "r": 8, "t": 8, "b": 8})}


def report_figures(report: WeeklyReport) -> dict[str, dict]:
    """Every figure of the report by key ('trend-<metric>', 'churn'); none for a KPI without
    a value in any of the weeks, nor for churn without scorings."""
    out = {f"trend-{name}": weekly_trend_figure(metric(name), frame)
           for name, frame in report.trends.items()
           if frame["value"].drop_nulls().len() > 0}
    if not report.churn.is_empty():
        out["churn"] = churn_figure(report.churn, trend_weeks(report.week)[0].start,
                                    report.week.end)
    return out


# --- HTML ----------------------------------------------------------------------------------

def esc(value: object) -> str:
    """Any value as HTML text, escaped ('–' for nothing)."""
    return html.escape("–" if value is None else str(value), quote=True)


def change_words(line: KpiLine) -> tuple[str, str]:
    """The tile's change ('▲ 1.2 points', '▼ 4.0 %', '= no change') and its sense
    ('better', 'worse', 'same'); '–' and 'none' when there is nothing to compare."""
    change = line.change
    if change is None:
        return "–", "none"
    return change_text(change), change.sense


def why_no_value(line: KpiLine) -> str | None:
    """Why a KPI has no value this week, or nothing to compare it with (as a tile says on
    hover); ``None`` when it has both."""
    if line.waiting:
        return line.waiting
    if line.value is None:
        return line.why_none or "No data this week"
    if line.previous is None:
        return "Nothing to compare with: no value the week before"
    return None


def status_words(line: KpiLine) -> str:
    """The tile's badge words ('On target', 'Watch', 'Poor'); 'No data' or 'No target'
    where the tile shows no badge."""
    if line.waiting or line.value is None:
        return "No data"
    return theme.status_label(line.status)


def kpi_table(report: WeeklyReport) -> str:
    """The KPIs of the week as a table row each (and a note row where a value is missing)."""
    before = report.week.shifted(-1)
    rows = []
    for line in report.kpis:
        m = line.metric
        change, sense = change_words(line)
        status = "unknown" if line.waiting or line.value is None else line.status
        colour = {"better": theme.status_colour("good"),
                  "worse": theme.status_colour("poor")}.get(sense, theme.MUTED)
        rows.append(
            f'<tr id="kpi-{esc(m.name)}"><th scope="row">{esc(m.label)}</th>'
            f'<td class="value"><span class="num">{esc(labels.format_number(m, line.value))}'
            f'</span> <span class="unit">{esc(m.unit)}</span></td>'
            f'<td><span class="badge" style="background:{theme.status_colour(status)}">'
            f'{esc(status_words(line))}</span></td>'
            f'<td class="change" style="color:{colour}">{esc(change)}</td>'
            f'<td class="prev">{esc(labels.format_value(m, line.previous))}</td>'
            f'<td class="target">{esc(labels.target_text(m))}</td></tr>')
        why = why_no_value(line)
        if why:
            rows.append(f'<tr class="note"><td></td><td colspan="5" class="why">'
                        f'{with_code(why)}</td></tr>')
    cols = "".join(f'<col style="width:{w}%">' for w in (23, 16, 11, 16, 16, 18))
    head = (f"<tr><th>KPI</th><th>This week</th><th>Status</th><th>Change vs "
            f"{esc(period_text(before.start, before.end))}</th><th>Week before</th>"
            "<th>Target</th></tr>")
    return (f'<table class="kpis"><colgroup>{cols}</colgroup><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def with_code(text: str) -> str:
    """``text`` escaped, its `backticked` parts (commands) as code."""
    parts = text.split("`")
    return "".join(f"<code>{esc(p)}</code>" if i % 2 else esc(p) for i, p in enumerate(parts))


def trend_grid(report: WeeklyReport, svgs: dict[str, str]) -> str:
    """A small chart per headline KPI (or why it is missing)."""
    cells = []
    for name in report.trends:
        m = metric(name)
        chart = svgs.get(f"trend-{name}")
        body = chart if chart else f'<p class="why">{esc(_no_chart(report, name, svgs))}</p>'
        cells.append(f'<figure class="chart" id="trend-{esc(name)}"><figcaption>'
                     f'{esc(m.label)} <span class="unit">({esc(m.unit)})</span></figcaption>'
                     f'{body}</figure>')
    return f'<div class="grid">{"".join(cells)}</div>'


def _no_chart(report: WeeklyReport, key: str, svgs: dict[str, str]) -> str:
    frame = report.trends.get(key)
    if frame is not None and frame["value"].drop_nulls().len() == 0:
        return "No data in these eight weeks"
    return svgs.get("_why", "Chart not drawn")


def churn_section(report: WeeklyReport, svgs: dict[str, str]) -> str:
    """The churn risk and revenue at risk of each scoring, or why there are none."""
    if report.churn.is_empty():
        risk_line = next((k for k in report.kpis if k.metric.name == "churn_risk"), None)
        why = (risk_line.waiting or risk_line.why_none) if risk_line else None
        return (f'<p class="why">No churn scoring in these eight weeks. '
                f'{with_code(why or "Each `cxbridge run` with new data adds one scoring.")}'
                '</p>')
    chart = svgs.get("churn") or f'<p class="why">{esc(svgs.get("_why", "Chart not drawn"))}</p>'
    last = report.churn.row(-1, named=True)
    risk, revenue = metric("churn_risk"), metric("revenue_at_risk")
    return (f'<figure class="chart wide" id="churn-trend">{chart}</figure>'
            f'<p>{report.churn.height} scoring(s); the latest, of data up to '
            f'{esc(labels.format_day(last["date"]))}: {esc(risk.label.lower())} '
            f'{esc(labels.format_value(risk, last["churn_risk"]))}, '
            f'{esc(revenue.label.lower())} '
            f'{esc(labels.format_value(revenue, last["revenue_at_risk"]))}.</p>')


def incident_table(report: WeeklyReport) -> str:
    """The week's incidents that hurt most customers."""
    if report.incidents.is_empty():
        return '<p class="why">No incident touched this week.</p>'
    rows = []
    for row in report.incidents.iter_rows(named=True):
        rows.append(
            f'<tr><td class="id">{esc(row["incident_id"])}</td><td>{esc(row["title"])}</td>'
            f'<td>{esc(row["region"])}</td>'
            f'<td>{esc(labels.format_time(row["started_at"]))}</td>'
            f'<td>{esc(labels.format_minutes(row["duration_minutes"]))}</td>'
            f'<td>{esc(labels.code_label("status", row["status"]))}</td>'
            f'<td class="n">{esc(labels.format_count(row["affected_customers"]))}</td>'
            f'<td class="n">{esc(labels.format_count(row["affected_services"]))}</td></tr>')
    head = ("<tr><th>Incident</th><th>What</th><th>Region</th><th>Started (UTC)</th>"
            "<th>Lasted</th><th>Status</th><th class=\"n\">Customers</th>"
            "<th class=\"n\">Services</th></tr>")
    cols = "".join(f'<col style="width:{w}%">' for w in (12, 22, 11, 13, 9, 9, 12, 12))
    return (f'<table class="incidents"><colgroup>{cols}</colgroup><thead>{head}</thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')


def not_measured_list(report: WeeklyReport) -> str:
    """The outputs the loaded feeds do not (fully) build, the KPIs with no source, and the
    parts left out; a sentence saying none was reported when there are none."""
    items = []
    for row in report.not_measured:
        if row["status"] == "not built":
            needs = (f'needs the {esc(row["missing"].replace("; ", ", "))} feed(s)'
                     if row.get("missing") else esc(row.get("note") or "not built"))
            text = f'<strong>{esc(row["label"])}</strong>: not built; {needs}.'
        else:
            text = (f'<strong>{esc(row["label"])}</strong>: built in part; more feeds would '
                    f'add {esc((row.get("would_add") or "").replace("; ", ", "))}.')
        if row.get("how_to_enable"):
            text += f' Add <code>{esc(row["how_to_enable"])}</code> and run the pipeline.'
        items.append(f"<li>{text}</li>")
    items += [f'<li><strong>{esc(line.metric.label)}</strong>: {with_code(line.waiting)}</li>'
              for line in report.kpis if line.waiting]
    items += [f"<li>{with_code(note)}</li>" for note in report.notes]
    if not items:
        return "<p>No missing feed was reported for this snapshot.</p>"
    return f'<ul class="gaps">{"".join(items)}</ul>'


def render_html(report: WeeklyReport, svgs: dict[str, str]) -> str:
    """The whole report as one HTML page: ``svgs`` are the figures of :func:`report_figures`
    drawn as SVG by key (trusted: plotly's own output), with ``'_why'`` saying why charts are
    missing when they could not be drawn; every other value is escaped here."""
    week = report.week
    title = f"Customer experience, week {week.label}"
    built = (f"{report.built_at:%Y-%m-%d %H:%M} UTC" if report.built_at else "unknown time")
    return _PAGE.format(
        title=esc(title),
        period=esc(period_text(week.start, week.end) + f" {week.end.year}"),
        kpis=kpi_table(report),
        trends=trend_grid(report, svgs),
        churn=churn_section(report, svgs),
        incidents=incident_table(report),
        gaps=not_measured_list(report),
        run_id=esc(report.run_id), built=esc(built),
        days=esc(f"{labels.format_day(report.first_date)} to "
                 f"{labels.format_day(report.last_date)}"),
        generated=esc(f"{report.generated_at:%Y-%m-%d %H:%M} UTC"),
        css=_CSS,
    )


_CSS = f"""
@page {{ size: A4; margin: 14mm 12mm; }}
@media screen {{ body {{ margin: 24px auto; padding: 0 12px; }} }}
* {{ box-sizing: border-box; }}
body {{ font-family: {theme.FONT_FAMILY}; color: {theme.BRAND}; margin: 0 auto; max-width: 186mm;
       font-size: 10.5pt; line-height: 1.35; background: #fff; }}
h1 {{ font-size: 17pt; margin: 0 0 2pt; }}
h2 {{ font-size: 12.5pt; margin: 14pt 0 5pt; border-bottom: 1px solid {theme.GRID};
     padding-bottom: 2pt; break-after: avoid; }}
.sub {{ color: {theme.MUTED}; margin: 0 0 8pt; }}
table {{ border-collapse: collapse; width: 100%; font-size: 9.5pt; table-layout: fixed; }}
th, td {{ text-align: left; padding: 3pt 5pt; border-bottom: 1px solid {theme.GRID};
         vertical-align: top; overflow-wrap: break-word; }}
tr:has(+ tr.note) > * {{ border-bottom: none; }}
tr.note td {{ padding-top: 0; }}
thead th {{ color: {theme.MUTED}; font-weight: 600; font-size: 8.5pt; }}
tbody th {{ font-weight: 600; }}
tr, figure, li {{ break-inside: avoid; }}
.num {{ font-weight: 700; font-size: 11pt; }}
.unit {{ white-space: nowrap; }}
.unit, .prev, .target, .why {{ color: {theme.MUTED}; }}
.why {{ font-size: 9pt; }}
.badge {{ color: #fff; border-radius: 3pt; padding: 1pt 5pt; font-size: 8.5pt;
         white-space: nowrap; }}
td.n, th.n {{ text-align: right; }}
td.id {{ font-family: ui-monospace, monospace; font-size: 8pt; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 6pt 12pt; }}
figure {{ margin: 0; }}
figcaption {{ font-weight: 600; font-size: 9.5pt; margin-bottom: 2pt; }}
figure svg {{ width: 100%; height: auto; display: block; }}
.gaps li {{ margin-bottom: 3pt; }}
code {{ font-size: 8.5pt; background: {theme.PAGE}; padding: 0 2pt; overflow-wrap: anywhere; }}
footer {{ margin-top: 14pt; color: {theme.MUTED}; font-size: 8.5pt; padding-top: 4pt;
          border-top: 1px solid {theme.GRID}; }}
"""

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>{css}</style></head>
<body>
<header><h1>{title}</h1><p class="sub">{period} · every KPI over the week, against its target and
the week before</p></header>
<section id="kpis"><h2>The shared KPIs</h2>{kpis}</section>
<section id="trends"><h2>Headline KPIs over eight weeks</h2>{trends}</section>
<section id="churn"><h2>Churn risk and revenue at risk, scoring by scoring</h2>{churn}</section>
<section id="incidents"><h2>Incidents that hurt most customers this week</h2>{incidents}</section>
<section id="not-measured"><h2>What was not measured</h2>{gaps}</section>
<footer>Snapshot <strong>{run_id}</strong>, built {built}, data from {days}. Report made
{generated}. Aggregates only: no customer is named in this report.</footer>
</body></html>
"""
