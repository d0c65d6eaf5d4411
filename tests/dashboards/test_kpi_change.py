"""The change against the previous period on a KPI tile, and the reference-line labels that must
not overlap (pure: components and figures, no browser)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from dash import html

from cxbridge.dashboards.components import change_line, change_text, no_value_reason, period_text
from cxbridge.dashboards.figures import LABEL_ROW, breakdown_figure, reference_lines
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.theme import status_colour
from cxbridge.platform.metrics import Change, metric
from cxbridge.platform.snapshot_reading import Selection

SEP = Selection(start=date(2026, 9, 15), end=date(2026, 9, 28))


@pytest.mark.parametrize(("start", "end", "text"), [
    (date(2026, 9, 15), date(2026, 9, 28), "15–28 Sep"),
    (date(2026, 8, 28), date(2026, 9, 10), "28 Aug – 10 Sep"),
    (date(2025, 12, 28), date(2026, 1, 3), "28 Dec 2025 – 3 Jan 2026"),
    (date(2026, 9, 15), date(2026, 9, 15), "15 Sep"),
])
def test_period_text(start, end, text):
    assert period_text(start, end) == text


def test_change_text_says_which_way_and_in_what():
    assert change_text(Change(1.23, False, "worse")) == "▲ 1.2 points"
    assert change_text(Change(-4.0, True, "better")) == "▼ 4.0 %"
    assert change_text(Change(0.0, False, "same")) == "= no change"


def test_the_change_line_is_coloured_by_the_metrics_direction():
    # churn risk: lower is better, so a fall is good news
    line = change_line(metric("churn_risk"), 4.0, 5.5, SEP, ("unused", "unused"), "c")
    assert line.children == "▼ 1.5 points vs 15–28 Sep"
    assert line.style == {"color": status_colour("good")}
    assert "Previous period: 5.50 %" in line.title and "better" in line.title
    # experience: higher is better, so the same fall is bad news
    line = change_line(metric("experience_index"), 88.0, 89.5, SEP, ("unused", "unused"), "c")
    assert line.children == "▼ 1.5 points vs 15–28 Sep"
    assert line.style == {"color": status_colour("poor")}


def test_a_dash_only_without_data_and_then_with_the_reason():
    m = metric("churn_risk")
    no_value = change_line(m, None, 5.0, SEP, ("No churn scoring covers 29 Sep – 12 Oct",
                                               "unused"), "c")
    assert no_value.children == "– vs previous period"
    assert no_value.title == "No churn scoring covers 29 Sep – 12 Oct"
    no_previous = change_line(m, 5.0, None, SEP, ("unused", "No data in 15–28 Sep"), "c")
    assert no_previous.title == "Nothing to compare with: no data in 15–28 Sep"
    assert isinstance(no_previous, html.Div)


def test_the_churn_tiles_say_which_days_the_scorings_cover():
    filters = Filters(start=date(2026, 9, 1), end=date(2026, 9, 14))
    reason = no_value_reason(metric("revenue_at_risk"), filters,
                             (date(2026, 9, 28), date(2026, 10, 5), 2))
    assert reason.startswith("No churn scoring covers 1–14 Sep: the 2 scoring(s) so far cover "
                             "data of 28 Sep – 5 Oct")
    assert no_value_reason(metric("experience_index"), filters, None) == \
        "No data in 1–14 Sep for the chosen filters"


@pytest.mark.parametrize("name", ["churn_risk", "service_availability", "time_to_restore"])
def test_target_and_poor_labels_never_share_a_place(name):
    m = metric(name)
    _, across_bars = reference_lines(m, horizontal=False)
    assert [n.get("yshift") for n in across_bars] == [LABEL_ROW, 0]   # two rows
    _, across_trend = reference_lines(m, horizontal=True)
    lower, higher = sorted(across_trend, key=lambda n: n["y"])
    assert (lower["yanchor"], higher["yanchor"]) == ("top", "bottom")  # away from each other
    figure = breakdown_figure(m, pl.DataFrame({"region": ["Dublin"], "value": [3.0]}), "region")
    assert figure["layout"]["margin"]["t"] == 16 + LABEL_ROW          # room for the second row
