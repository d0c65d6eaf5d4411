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


def test_customer_incident_shading_sits_on_the_days_it_touched():
    """A day's point stands at its midnight; an incident from 14:00 on the 3rd to 02:00 on the
    4th shades the 3rd and the 4th, centred on their points, not from mid-afternoon on."""
    from datetime import datetime

    from cxbridge.dashboards.figures_customer import customer_experience_figure

    days = pl.DataFrame({"date": [date(2026, 10, d) for d in range(1, 7)],
                         "sei_worst": [95.0, 94.0, 60.0, 70.0, 93.0, 95.0],
                         "poor": [False, False, True, True, False, False],
                         "worst_reason": [None, None, "outage", "outage", None, None]})
    incidents = pl.DataFrame({"incident_id": ["INC-1"], "title": ["Fibre cut"],
                              "first_at": [datetime(2026, 10, 3, 14)],
                              "last_at": [datetime(2026, 10, 4, 2)]})
    figure = customer_experience_figure(days, incidents)
    shaded = [s for s in figure["layout"]["shapes"] if s.get("type") == "rect"]
    assert len(shaded) == 1
    assert (shaded[0]["x0"], shaded[0]["x1"]) == (datetime(2026, 10, 2, 12),
                                                  datetime(2026, 10, 4, 12))
    marks = next(t for t in figure["data"] if t["name"] == "Incidents")
    assert marks["x"] == [date(2026, 10, 3)] and "14:00" in marks["text"][0]


def test_customer_banner_only_while_an_incident_is_open():
    """Care sees "affected by an open incident now" for an open incident on any of the
    customer's services, once per incident; nothing once every incident has cleared."""
    from datetime import datetime

    from cxbridge.dashboards.customer_view import outage_banner

    incidents = pl.DataFrame({
        "incident_id": ["INC-1", "INC-1", "INC-2"], "title": ["Fibre cut"] * 2 + ["DNS"],
        "status": ["open", "open", "cleared"], "service_id": ["S1", "S2", "S1"],
        "first_at": [datetime(2026, 10, 3, 14), datetime(2026, 10, 3, 15),
                     datetime(2026, 10, 1, 9)]})
    text = json.dumps(outage_banner(incidents, "").to_plotly_json(), default=str)
    assert "INC-1" in text and "INC-2" not in text and "2 of their services" in text
    assert outage_banner(incidents.filter(pl.col("status") == "cleared"), "") is None
    assert outage_banner(incidents.head(0), "") is None
