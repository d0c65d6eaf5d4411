"""Legends everywhere (issue 17): every figure builder in ``dashboards/figures*.py`` is drawn
from small inputs, and a figure with more than one trace or colour must say what each means —
a legend naming the traces, labels on the chart (annotations naming them, or one bar per
labelled category) or, for a heatmap, a colour bar. A new figure builder without a case here
fails the walk, so it cannot skip the check (theme.py turns legends off by default)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from datetime import date, datetime, timedelta

import polars as pl
import pytest

import cxbridge.dashboards as dashboards_package
from cxbridge.platform.metrics import metric

D = [date(2026, 3, 2) + timedelta(days=i) for i in range(3)]
T0 = datetime(2026, 3, 3, 6, 0)

CASES = {
    "figures.trend_figure": lambda m: m.trend_figure(
        metric("experience_index"), pl.DataFrame({"date": D, "value": [91.0, 88.0, 93.0]})),
    "figures.breakdown_figure": lambda m: m.breakdown_figure(
        metric("experience_index"),
        pl.DataFrame({"region": ["Dublin", "Munster", "Ulster"], "value": [95.0, 80.0, 89.0]}),
        "region"),
    "figures.sparkline_figure": lambda m: m.sparkline_figure(
        metric("experience_index"), pl.DataFrame({"date": D, "value": [91.0, 88.0, 93.0]}),
        "#123456"),
    "figures.empty_figure": lambda m: m.empty_figure("nothing"),
    "figures_customer.customer_experience_figure": lambda m: m.customer_experience_figure(
        pl.DataFrame({"date": D, "sei_worst": [95.0, 40.0, 92.0], "poor": [False, True, False],
                      "worst_reason": [None, "outage", None]}),
        pl.DataFrame({"incident_id": ["INC-1"], "title": ["Fibre cut"],
                      "first_at": [T0], "last_at": [T0 + timedelta(hours=5)]})),
    "figures_marketing.risk_map_figure": lambda m: m.risk_map_figure(
        pl.DataFrame({"experience_bin": [80.0, 90.0], "risk_bin": [0.5, 0.1],
                      "customers": [3, 40]}), 90.0, 0.4),
    "figures_marketing.quadrant_bars_figure": lambda m: m.quadrant_bars_figure(
        pl.DataFrame({"segment": ["consumer", "consumer", "smb"],
                      "quadrant": ["poor_high", "good_low", "good_low"],
                      "customers": [5, 50, 9]}), "segment"),
    "figures_marketing.drivers_figure": lambda m: m.drivers_figure(
        pl.DataFrame({"reason": ["Poor experience on recent days", "Contract ends soon"],
                      "customers": [12, 7], "network": [True, False]})),
    "figures_measured.sessions_timeline": lambda m: m.sessions_timeline(pl.DataFrame({
        "score": [85.0, 40.0], "main_technology": ["4G", "5G"], "app": ["yt", "dl"],
        "mobility": ["driving", "static"], "content": ["video", "file"],
        "reason": [None, "slow"], "started_at": [T0, T0 + timedelta(hours=1)],
        "dl_mean_mbps": [20.0, 2.0]})),
    "figures_measured.groups_figure": lambda m: m.groups_figure(pl.DataFrame({
        "mobility": ["driving", "static"], "activity": ["video", "video"],
        "median_score": [70.0, 88.0], "sessions": [4, 9], "dl_mean_mbps": [9.0, 30.0],
        "share_5g": [0.2, 0.6]})),
    "figures_network.heatmap_by_day": lambda m: m.heatmap_by_day(
        metric("experience_index"),
        pl.DataFrame({"date": D[:2] * 2, "region": ["Dublin"] * 2 + ["Munster"] * 2,
                      "value": [95.0, 90.0, 70.0, 85.0]}), "region"),
    "figures_network.timeline_figure": lambda m: m.timeline_figure(pl.DataFrame({
        "started_at": [T0, T0 + timedelta(minutes=2)], "ended_at": [T0 + timedelta(hours=2),
                                                                     None],
        "role": ["root", "symptom"], "resource_id": ["OLT-1", "PON-1"],
        "specific_problem": ["LOS", "ONU down"]}), T0, T0 + timedelta(hours=3)),
    "figures_network.impact_figure": lambda m: m.impact_figure(pl.DataFrame({
        "segment": ["consumer", "smb"], "cfs_type": ["ftth", "ftth"], "services": [30, 4]})),
    "figures_network.score_figure": lambda m: m.score_figure({
        "score_customer_minutes": 900.0, "score_business": 120.0, "score_sla": 0.0,
        "score_revenue": 40.0, "score_experience": 10.0}),
    "figures_network.resource_kpis_figure": lambda m: m.resource_kpis_figure(pl.DataFrame({
        "hour": [T0 + timedelta(hours=h) for h in range(4)],
        "sessions": [100.0, 20.0, 30.0, 95.0], "usual_sessions": [98.0, 99.0, 97.0, 96.0],
        "unavailable_minutes": [0.0, 60.0, 45.0, 0.0]}), T0 + timedelta(hours=1),
        T0 + timedelta(hours=3)),
    "figures_tickets.volume_figure": lambda m: m.volume_figure(pl.DataFrame({
        "date": [D[0], D[0], D[1]], "family": ["network", "billing", "network"],
        "tickets": [5, 3, 7]})),
    "figures_tickets.category_figure": lambda m: m.category_figure(pl.DataFrame({
        "family": ["network", "billing", "network"],
        "category": ["no_service", "overcharge", "slow_speed"], "tickets": [9, 4, 3]})),
    "figures_tickets.region_figure": lambda m: m.region_figure(pl.DataFrame({
        "region": ["Dublin", None], "tickets": [10, 4], "network_tickets": [6, 1]})),
    "figures_tickets.resolve_figure": lambda m: m.resolve_figure(pl.DataFrame({
        "band": [1, 2, 1], "network": [True, True, False], "tickets": [4, 2, 6]})),
}


def _builders() -> dict[str, object]:
    """Every public function of a ``figures*`` module that returns a figure."""
    found = {}
    for info in pkgutil.iter_modules(dashboards_package.__path__):
        if not info.name.startswith("figures"):
            continue
        module = importlib.import_module(f"cxbridge.dashboards.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if (function.__module__ == module.__name__ and not name.startswith("_")
                    and inspect.signature(function).return_annotation == "Figure"):
                found[f"{info.name}.{name}"] = module
    return found


def _colours(trace: dict) -> set[str]:
    colours: set[str] = set()
    for part in ("marker", "line"):
        colour = (trace.get(part) or {}).get("color")
        if isinstance(colour, list):
            colours |= {c for c in colour if isinstance(c, str)}
        elif isinstance(colour, str):
            colours.add(colour)
    return colours


def _has_data(trace: dict) -> bool:
    return any(v is not None for key in ("x", "y", "z") for v in (trace.get(key) or []))


def unexplained(figure: dict) -> list[str]:
    """What in ``figure`` has a colour nobody is told the meaning of (empty: all explained)."""
    layout = figure.get("layout", {})
    traces = [t for t in figure.get("data", []) if _has_data(t)]
    notes = " ".join(str(a.get("text", "")) for a in layout.get("annotations") or []).lower()
    legend_on = bool(layout.get("showlegend"))
    problems = []
    for trace in (t for t in traces if t.get("type") == "heatmap"):
        if trace.get("showscale") is False and "darker" not in notes:
            problems.append("a heatmap without a colour bar or a note on its colours")
    plain = [t for t in traces if t.get("type") != "heatmap"]
    colours = set().union(*(_colours(t) for t in plain)) if plain else set()
    if len(plain) <= 1 and len(colours) <= 1:
        return problems
    listed = [t for t in figure.get("data", []) if legend_on
              and t.get("showlegend", True) is not False]
    problems += [f"a {t.get('type')} trace in the legend without a name ('trace N')"
                 for t in listed if not t.get("name")]
    keyed = [t for t in listed if t.get("name")]
    for trace in plain:
        name = str(trace.get("name") or "")
        if trace in keyed or (name and name.lower() in notes):
            continue
        if len(_colours(trace)) > 1:  # colours within one trace: a key or a note on them
            if len(keyed) < 2 and not notes:
                problems.append(f"trace {name or trace.get('type')!r} has "
                                f"{len(_colours(trace))} colours and no key")
            continue
        categories = trace.get("y") if trace.get("orientation") == "h" else trace.get("x")
        if len(plain) > 1 and not (categories and len(categories) == 1
                                   and isinstance(categories[0], str)):
            problems.append(f"trace {name or trace.get('type')!r} is neither in a legend nor "
                            "labelled on the chart")
    return problems


def test_every_figure_builder_has_a_case():
    assert set(_builders()) == set(CASES), "add a case for each new figure builder"


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_colour_of_every_figure_is_explained(name):
    module = importlib.import_module(f"cxbridge.dashboards.{name.split('.')[0]}")
    figure = CASES[name](module)
    assert figure["data"] or name == "figures.empty_figure", f"{name} drew nothing"
    assert unexplained(figure) == [], name


def test_the_guard_catches_an_unexplained_figure():
    bars = {"type": "bar", "x": ["a", "b"], "y": [1, 2]}
    two = {"data": [{**bars, "name": "One", "marker": {"color": "#111"}},
                    {**bars, "name": "Two", "marker": {"color": "#222"}}], "layout": {}}
    assert unexplained(two)  # two traces, legend off (the theme's default)
    assert unexplained({**two, "layout": {"showlegend": True}}) == []
    mixed = {"data": [{**bars, "marker": {"color": ["#111", "#222"]}}], "layout": {}}
    assert unexplained(mixed)
    heat = {"data": [{"type": "heatmap", "z": [[1, 2]], "showscale": False}], "layout": {}}
    assert unexplained(heat)
    unnamed = {"data": [{**bars, "marker": {"color": ["#111", "#222"]}},
                        {"type": "scatter", "x": [None], "y": [None], "name": "A"},
                        {"type": "scatter", "x": [None], "y": [None], "name": "B"}],
               "layout": {"showlegend": True}}
    assert unexplained(unnamed) == ["a bar trace in the legend without a name ('trace N')"]
