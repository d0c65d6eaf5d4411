"""A page's own controls in the URL (cxbridge.dashboards.page_state): parsed and written back,
defaults left out, a bad value in a hand-edited URL falling back to its default, the filter
bar's keys left alone; and every page's declared state reading its own URL form back."""

from __future__ import annotations

import sys
from urllib.parse import parse_qs

import dash
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cxbridge.dashboards import page_state
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.filters import filter_keys_only
from cxbridge.dashboards.page_state import (
    Control,
    PageState,
    flag_dump,
    flag_parse,
    join,
    number_between,
    number_text,
    one_of,
    subset_of,
)

STATE = PageState("demo", (
    Control("kpi", "demo-kpi", "experience_index", one_of(("experience_index", "churn_risk"))),
    Control("bands", "demo-bands", ["high", "medium", "low"],
            subset_of(("high", "medium", "low")), join),
    Control("planned", "demo-planned", [], flag_parse("planned"), flag_dump),
    Control("control", "demo-control", 10, number_between(0, 50), number_text),
))


def test_values_parse_and_defaults_fill_the_rest():
    assert STATE.values("?kpi=churn_risk&bands=low,high&planned=1&control=12.5") == {
        "kpi": "churn_risk", "bands": ["high", "low"], "planned": ["planned"], "control": 12.5}
    assert STATE.values("") == {"kpi": "experience_index", "bands": ["high", "medium", "low"],
                                "planned": [], "control": 10}
    assert STATE.values({"kpi": "churn_risk"})["kpi"] == "churn_risk"  # a layout's kwargs
    assert STATE.values("?bands=")["bands"] == []  # none ticked differs from a missing key


def test_bad_values_fall_back_to_the_default():
    wanted = STATE.values("?kpi=%3Cscript%3E&bands=nonsense&planned=maybe&control=NaN")
    assert wanted == STATE.values("")
    assert STATE.values("?bands=low,nonsense")["bands"] == ["low"]  # the unknown one dropped
    assert STATE.values("?control=900")["control"] == 50  # clamped, not refused


def test_defaults_are_left_out_and_the_filter_bar_keys_kept():
    defaults = STATE.values("")
    assert STATE.pairs(defaults) == []
    search = "?from=2026-03-02&to=2026-03-15&region=Munster&kpi=churn_risk"
    assert STATE.query(search, defaults) == "?from=2026-03-02&to=2026-03-15&region=Munster"
    changed = {**defaults, "planned": ["planned"], "control": 20.0}
    query = STATE.query(search, changed)
    assert parse_qs(query[1:]) == {"from": ["2026-03-02"], "to": ["2026-03-15"],
                                   "region": ["Munster"], "planned": ["1"], "control": ["20"]}
    assert filter_keys_only(query) == "?from=2026-03-02&to=2026-03-15&region=Munster"


def test_a_component_value_is_made_canonical():
    control = STATE.controls[3]
    assert control.clean("20") == 20 and control.clean(None) == 10 and control.clean(12.5) == 12.5
    assert STATE.controls[1].clean("high") == ["high", "medium", "low"]  # not a list: default


def test_keys_may_not_be_the_filter_bars_or_repeat():
    with pytest.raises(ValueError, match="filter bar"):
        PageState("bad", (Control("region", "x", "", str),))
    with pytest.raises(ValueError, match="repeat"):
        PageState("bad", (Control("k", "x", "", str), Control("k", "y", "", str)))


@given(kpi=st.sampled_from(("experience_index", "churn_risk")),
       bands=st.lists(st.sampled_from(("high", "medium", "low")), unique=True),
       planned=st.booleans(), control=st.integers(0, 50))
def test_any_state_round_trips_through_its_url(kpi, bands, planned, control):
    values = {"kpi": kpi, "bands": [b for b in ("high", "medium", "low") if b in bands],
              "planned": ["planned"] if planned else [], "control": control}
    assert STATE.values(STATE.query("?from=2026-03-02", values)) == values


def test_every_page_reads_its_own_url_back(settings):
    """Each page's declared state, every option of every control: written, read back."""
    create_app(settings)  # Dash imports the page modules
    pages = {module.STATE.page: module.STATE
             for module in (sys.modules[p["module"]] for p in dash.page_registry.values())
             if isinstance(getattr(module, "STATE", None), PageState)}
    assert set(pages) == {"overview", "operations", "measured", "marketing", "planned",
                          "outcomes", "review"}
    overview_values = pages["overview"].values("?kpi=time_to_restore&by=segment")
    assert overview_values == {"kpi": "time_to_restore", "by": "region"}  # the KPI's only one
    for state in pages.values():
        defaults = state.values("")
        assert state.pairs(defaults) == []
        for control in state.controls:
            for raw in ("open", "video", "region", "failures", "1", "retention", "high", "X1",
                        "25"):
                value = control.read(raw)
                if value == control.default:
                    continue
                back = state.values(state.query("", {**defaults, control.key: value}))
                assert back[control.key] == value, (state.page, control.key, raw)
    assert page_state.SHELL_URL_ID == "shell-url"
