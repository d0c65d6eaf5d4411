"""The weekly executive report (dashboards/report.py, report_render.py, ``cxbridge report
weekly``) on the dashboard tests' mini operator (two ISO weeks, 2026-W10 and W11): every KPI
with the dashboard reader's numbers, status words and change, values escaped, a week without
data refused, and the files (HTML with inline SVG, an A4 PDF) written by the system Chromium.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime

import polars as pl
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.dashboards import labels, theme
from cxbridge.dashboards.components import change_text
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.report import (
    Week,
    last_complete_week,
    parse_week,
    render_html,
    report_figures,
    top_incidents,
)
from cxbridge.dashboards.report_render import (
    ReportBrowserError,
    find_browser,
    read_report,
    write_weekly,
)
from cxbridge.platform.errors import UserError
from cxbridge.platform.metrics import METRICS
from cxbridge.platform.snapshot_reading import Selection
from tests.dashboards.world import OPEN_FIBRE

HOSTILE = "<script>alert('x')</script> Fibre & cut"
W10, W11 = Week(2026, 10), Week(2026, 11)
NOW = datetime(2026, 3, 16, 7, 0)
MISSING_FEED = {"output": "measured", "label": "Measured experience <phones>",
                "status": "not built", "gives": "what phones measured",
                "missing": "ue-measurements", "would_add": "", "pages": "/measured",
                "how_to_enable": "raw/ue_measurements/*.csv", "note": ""}


@pytest.fixture
def reader(settings, publish, demo_rows, world) -> SnapshotReader:
    """The mini operator published, one incident titled with HTML, one feed missing."""
    tables = dict(world)
    for name in ("queue", "incidents"):
        tables[name] = world[name].with_columns(
            title=pl.when(pl.col("incident_id") == OPEN_FIBRE).then(pl.lit(HOSTILE))
            .otherwise(pl.col("title")))
    tables["capabilities"] = pl.DataFrame([MISSING_FEED])
    publish("weekly-run", demo_rows, tables)
    return SnapshotReader(settings)


def kpi_row(page: str, name: str) -> str:
    """The report's table row of one KPI (and its note row, if any)."""
    found = re.search(rf'<tr id="kpi-{name}">.*?</tr>(<tr class="note">.*?</tr>)?', page)
    assert found, f"no row for {name}"
    return found[0]


def text_of(fragment: str) -> str:
    """The visible text of an HTML fragment, entities as the browser shows them, each run of
    white space one space."""
    import html

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", fragment)))


def test_every_kpi_shows_the_dashboard_readers_value_status_and_change(reader):
    report = read_report(reader, "2026-W11", NOW)
    page = render_html(report, {})
    this_week = Selection(start=W11.start, end=W11.end)
    week_before = Selection(start=W10.start, end=W10.end)
    assert {line.metric.name for line in report.kpis} == {m.name for m in METRICS}
    compared = 0
    for m in METRICS:
        row = text_of(kpi_row(page, m.name))
        assert m.label in row
        if not reader.source_available(m.name):
            assert "No data" in row
            continue
        value = reader.kpi_value(m.name, this_week)
        previous = reader.kpi_value(m.name, week_before)
        if value is None:
            assert "No data" in row
            continue
        assert f"{labels.format_number(m, value)} {m.unit}" in row
        assert theme.status_label(m.status(value)) in row
        if previous is not None:
            assert change_text(m.change(value, previous)) in row
            assert labels.format_value(m, previous) in row
            compared += 1
    assert compared >= 8, "too few KPIs had a change to compare"


def test_the_trends_end_with_the_weeks_value(reader):
    report = read_report(reader, "2026-W11", NOW)
    this_week = Selection(start=W11.start, end=W11.end)
    for name, weeks in report.trends.items():
        assert weeks.height == 8 and weeks["week"][-1] == "W11"
        assert weeks["value"][-1] == pytest.approx(reader.kpi_value(name, this_week))
        assert weeks["value"][0] is None  # W04 is before the data: a gap, never a zero
    assert set(report_figures(report)) >= {f"trend-{n}" for n, w in report.trends.items()
                                          if w["value"].drop_nulls().len()}


def test_values_with_html_in_them_are_escaped(reader):
    page = render_html(read_report(reader, "2026-W11", NOW), {})
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Fibre &amp; cut" in page
    assert "Measured experience &lt;phones&gt;" in page  # what was not measured
    assert "raw/ue_measurements/*.csv" in page


def test_the_default_week_is_the_last_complete_one(reader):
    assert read_report(reader, None, NOW).week == W11
    assert last_complete_week(date(2026, 3, 2), date(2026, 3, 14)) == W10
    assert last_complete_week(date(2026, 3, 9), date(2026, 3, 15)) == W11
    with pytest.raises(UserError, match="no complete ISO week"):
        last_complete_week(date(2026, 3, 3), date(2026, 3, 9))


def test_a_week_without_data_is_a_clear_user_error(reader):
    with pytest.raises(UserError, match=r"no data for week 2026-W20 .*2 Mar 2026 to 15 Mar"):
        read_report(reader, "2026-W20", NOW)
    for wrong in ("2026-48", "2026-W54", "last week"):
        with pytest.raises(UserError, match="YYYY-Www"):
            parse_week(wrong)


def _browser_or_skip():
    """The system Chromium and kaleido, or skip (fail with CXBRIDGE_REQUIRE_BROWSER=1)."""
    missing = [] if find_browser() else ["chromium (apt-get install chromium)"]
    try:
        import kaleido  # noqa: F401
    except ImportError:
        missing.append("kaleido (pip install 'kaleido==1.5.2')")
    if not missing:
        return
    message = f"the report's charts and PDF need {' and '.join(missing)}"
    if os.environ.get("CXBRIDGE_REQUIRE_BROWSER") == "1":
        pytest.fail(message)
    pytest.skip(message)


def test_the_report_replaces_last_runs_with_self_contained_html_and_an_a4_pdf(
        reader, settings, tmp_path):
    _browser_or_skip()
    out = tmp_path / "reports"
    out.mkdir()
    for stale in ("cx-weekly-2026-W11.html", "cx-weekly-2026-W11.pdf"):  # last run's
        (out / stale).write_text("stale", encoding="utf-8")
    html_path, pdf_path = write_weekly(settings, "2026-W11", out, now=NOW)
    assert (html_path.name, pdf_path.name) == ("cx-weekly-2026-W11.html", "cx-weekly-2026-W11.pdf")
    assert sorted(p.name for p in out.iterdir()) == [html_path.name, pdf_path.name]
    page = html_path.read_text(encoding="utf-8")
    assert page.count("<svg") >= 5  # the headline trends and churn, drawn inline
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", page)  # nothing fetched
    pdf = pdf_path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 1
    assert re.search(rb"/MediaBox\s*\[0 0 59[45]", pdf)  # A4: 595 × 842 points


def test_without_chromium_the_html_is_written_and_the_error_says_what_to_install(
        reader, settings, tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(ReportBrowserError, match="apt-get install chromium"):
        write_weekly(settings, "2026-W11", out, browser=tmp_path / "no-chromium", now=NOW)
    page = (out / "cx-weekly-2026-W11.html").read_text(encoding="utf-8")
    assert "Chart not drawn" in page and "<svg" not in page
    assert not (out / "cx-weekly-2026-W11.pdf").exists()


def test_the_command_prints_one_line_for_a_user_error(reader, settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    done = CliRunner().invoke(app, ["report", "weekly", "--week", "2026-W30"])
    assert done.exit_code == 1
    assert done.output.strip().startswith("Error: no data for week 2026-W30")
    assert len(done.output.strip().splitlines()) == 1


def test_the_top_incidents_are_those_that_hurt_someone_most_first():
    queue = pl.DataFrame({
        "incident_id": ["network-only", "small", "big", "services-only"],
        "affected_customers": [0, 3, 40, None], "affected_services": [0, 3, 52, 7],
        "rank": [1, 2, 3, 4]})
    assert top_incidents(queue)["incident_id"].to_list() == ["big", "small", "services-only"]
    assert top_incidents(queue, rows=1)["incident_id"].to_list() == ["big"]
