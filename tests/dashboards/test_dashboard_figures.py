"""Figure functions are pure and speak the registry's words. They return plotly's JSON form;
the tests read it through ``plotly.graph_objects.Figure``, which also checks that plotly
accepts every property."""

from __future__ import annotations

import json
from datetime import date

import plotly.graph_objects as go
import polars as pl

from cxbridge.dashboards import figures, theme
from cxbridge.platform.metrics import metric

SERIES = pl.DataFrame({"date": [date(2026, 3, 2), date(2026, 3, 3)], "value": [99.95, 99.2]})
BY_CFS = pl.DataFrame({"cfs_type": ["ftth", "mobile_data", "iptv"], "value": [99.95, 99.6, 99.2]})
RAW_NAMES = ("cfs_type", "mobile_data", "service_minutes", "outage_service_minutes", "kpi_daily")


def test_figures_are_pure():
    before = SERIES.clone()
    first = figures.trend_figure(metric("service_availability"), SERIES)
    second = figures.trend_figure(metric("service_availability"), SERIES)
    assert json.dumps(first, default=str) == json.dumps(second, default=str)
    assert SERIES.equals(before)


def test_trend_uses_registry_labels_and_draws_the_target():
    availability = metric("service_availability")
    fig = go.Figure(figures.trend_figure(availability, SERIES))
    assert fig.layout.yaxis.title.text == "Service availability (%)"
    lines = {shape.y0 for shape in fig.layout.shapes}
    assert lines == {availability.target, availability.poor_threshold}
    assert any("at least 99.9 %" in a.text for a in fig.layout.annotations)


def test_no_target_no_line():
    fig = go.Figure(figures.trend_figure(metric("active_services"), SERIES))
    assert not fig.layout.shapes


def test_breakdown_puts_words_on_screen_and_colours_by_status():
    availability = metric("service_availability")
    fig = go.Figure(figures.breakdown_figure(availability, BY_CFS, "cfs_type"))
    bar = fig.data[0]
    assert list(bar.y) == ["IPTV", "Mobile data", "FTTH broadband"]  # worst first
    assert list(bar.marker.color) == [theme.status_colour(s) for s in ("poor", "watch", "good")]
    assert bar.hovertemplate.startswith("Service type: ")
    text = json.dumps(fig.to_plotly_json(), default=str)
    assert not [name for name in RAW_NAMES if name in text]


def test_lower_is_better_puts_the_highest_on_top():
    frame = pl.DataFrame({"region": ["Dublin", "Connacht"], "value": [0.5, 3.4]})
    fig = go.Figure(figures.breakdown_figure(metric("session_failure_rate"), frame, "region"))
    assert list(fig.data[0].y) == ["Connacht", "Dublin"]


def test_empty_frames_say_so():
    empty = SERIES.clear()
    for fig in (figures.trend_figure(metric("access_latency"), empty),
                figures.breakdown_figure(metric("access_latency"),
                                         pl.DataFrame({"region": [], "value": []}), "region")):
        assert go.Figure(fig).layout.annotations[0].text == "No data for the selected filters"
