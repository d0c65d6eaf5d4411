"""Pure figure functions of the Care tickets page: tickets over time by family (network in the
accent colour, the rest quiet), categories, regions, status and time to resolve. Frames in,
plotly figures (dicts, see :mod:`cxbridge.dashboards.figures`) out; no I/O. The words for families
and categories are here, so every figure and table of the page says them the same way."""

from __future__ import annotations

import polars as pl

from cxbridge.dashboards import labels, theme
from cxbridge.dashboards.figures import Figure, empty_figure

FAMILIES: tuple[str, ...] = ("network", "billing", "service", "other")
FAMILY_LABELS: dict[str, str] = {"network": "Network", "billing": "Billing",
                                 "service": "Customer service", "other": "Other"}
# network stands out; the other families in quiet shades of the same grey-blue
FAMILY_COLOURS: dict[str, str] = {"network": theme.ACCENT, "billing": "#9aa8b8",
                                  "service": "#c3ccd6", "other": "#dde3ea"}
CATEGORY_LABELS: dict[str, str] = {
    "no_service": "No service / outage", "intermittent_connection": "Connection drops",
    "slow_speed": "Slow speed", "network_problem": "Network problem (unspecified)",
    "no_mobile_service": "No mobile service", "tv_no_signal": "TV: no signal",
    "slow_mobile_data": "Slow mobile data", "call_drops": "Dropped calls",
    "tv_freezing": "TV freezing", "vpn_performance": "VPN performance",
    "data_cap": "Data cap / usage", "billing": "Billing", "plan_change": "Plan change",
    "customer_service": "Customer service", "relocation": "Moving home",
    "equipment": "Equipment", "home_network": "Home Wi-Fi", "follow_up": "Follow-up",
    "other": "Other topic", "unspecified": "Unspecified",
}
RESOLVE_BANDS: dict[int, str] = {1: "< 4 h", 2: "4–24 h", 3: "1–3 days", 4: "3–7 days",
                                 5: "> 7 days"}
WEEKLY_AFTER_DAYS = 62  # a longer period is drawn per week: daily bars would be hairlines
_MARGIN = {"l": 8, "r": 8, "t": 8, "b": 8}


def family_label(family: str | None) -> str:
    return FAMILY_LABELS.get(family or "", "Other")


def category_label(category: str | None) -> str:
    """'Slow speed' for ``slow_speed``; an unknown category in plain words."""
    if category is None:
        return "No category"
    return CATEGORY_LABELS.get(category, labels.humanise(category))


def volume_figure(by_day: pl.DataFrame) -> Figure:
    """Stacked bars of tickets per day (per week over a long period), one colour per family,
    network at the bottom; ``by_day`` has ``date``, ``family``, ``tickets``."""
    if by_day.is_empty():
        return empty_figure("No tickets in the selected period and filters")
    span = (by_day["date"].max() - by_day["date"].min()).days
    weekly = span > WEEKLY_AFTER_DAYS
    rows = by_day.with_columns(pl.col("date").dt.truncate("1w") if weekly else pl.col("date"))
    rows = rows.group_by("date", "family").agg(pl.col("tickets").sum()).sort("date")
    traces = []
    for family in FAMILIES:
        part = rows.filter(pl.col("family") == family)
        if part.is_empty():
            continue
        traces.append({
            "type": "bar", "name": family_label(family), "x": part["date"].to_list(),
            "y": part["tickets"].to_list(), "marker": {"color": FAMILY_COLOURS[family]},
            "hovertemplate": f"{'Week of ' if weekly else ''}%{{x|%a %d %b %Y}}<br>"
                             f"{family_label(family)}: %{{y:,}} tickets<extra></extra>",
        })
    return {"data": traces, "layout": theme.layout(
        barmode="stack", bargap=0.15, showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                "traceorder": "normal"},
        xaxis={"type": "date", "tickformat": "%d %b", "title": {
            "text": "Week" if weekly else "Day (UTC)"}},
        yaxis={"title": {"text": "Tickets"}}, margin={**_MARGIN, "t": 28})}


def category_figure(categories: pl.DataFrame, rows: int = 12) -> Figure:
    """The commonest categories as horizontal bars in their family's colour; ``categories``
    has ``family``, ``category``, ``tickets``."""
    if categories.is_empty():
        return empty_figure("No tickets in the selected period and filters")
    top = categories.sort("tickets", descending=True, maintain_order=True).head(rows)
    families = top["family"].to_list()
    key = theme.colour_key([(family_label(f), FAMILY_COLOURS.get(f, FAMILY_COLOURS["other"]))
                            for f in dict.fromkeys(families)])
    return {"data": [{
        "type": "bar", "orientation": "h", "x": top["tickets"].to_list(), "showlegend": False,
        "y": [category_label(c) for c in top["category"].to_list()],
        "customdata": [family_label(f) for f in families],
        "marker": {"color": [FAMILY_COLOURS.get(f, FAMILY_COLOURS["other"]) for f in families]},
        "text": [f"{v:,}" for v in top["tickets"].to_list()], "textposition": "outside",
        "cliponaxis": False, "textfont": {"size": 11, "color": theme.MUTED},
        "hovertemplate": "%{y} (%{customdata})<br>%{x:,} tickets<extra></extra>",
    }, *key], "layout": theme.layout(xaxis={"title": {"text": "Tickets"}, "range": [
        0, max(top["tickets"].max(), 1) * 1.15]},
                               yaxis={"autorange": "reversed", "type": "category", "dtick": 1,
                                      "tickfont": {"size": 10}}, bargap=0.3,
                               margin={**_MARGIN, "t": 24}, showlegend=True,
                               legend=theme.KEY_LEGEND)}


def region_figure(regions: pl.DataFrame) -> Figure:
    """Tickets per region (or state), network tickets in the accent colour and the rest
    quiet; ``regions`` has ``region``, ``tickets``, ``network_tickets``."""
    if regions.is_empty():
        return empty_figure("No tickets in the selected period and filters")
    names = [r if r is not None else "Not known" for r in regions["region"].to_list()]
    network = regions["network_tickets"].to_list()
    rest = (regions["tickets"] - regions["network_tickets"]).to_list()
    share = [n / t if t else 0.0 for n, t in zip(network, regions["tickets"].to_list(),
                                                  strict=True)]
    traces = [
        {"type": "bar", "orientation": "h", "name": "Network", "x": network, "y": names,
         "customdata": share, "marker": {"color": FAMILY_COLOURS["network"]},
         "hovertemplate": "%{y}<br>Network: %{x:,} tickets (%{customdata:.0%})<extra></extra>"},
        {"type": "bar", "orientation": "h", "name": "Other families", "x": rest, "y": names,
         "marker": {"color": FAMILY_COLOURS["billing"]},
         "hovertemplate": "%{y}<br>Other families: %{x:,} tickets<extra></extra>"},
    ]
    return {"data": traces, "layout": theme.layout(
        barmode="stack", bargap=0.3, showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0,
                "traceorder": "normal"},
        xaxis={"title": {"text": "Tickets"}}, yaxis={"autorange": "reversed"},
        margin={**_MARGIN, "t": 28})}


def resolve_figure(bands: pl.DataFrame) -> Figure:
    """How long tickets took to resolve, in bands, network tickets beside the rest;
    ``bands`` has ``band`` (1–5, :data:`RESOLVE_BANDS`), ``network`` (bool), ``tickets``."""
    if bands.is_empty():
        return empty_figure("No resolution times recorded for these tickets")
    names = list(RESOLVE_BANDS.values())
    traces = []
    for network, name, colour in ((True, "Network", FAMILY_COLOURS["network"]),
                                  (False, "Other families", FAMILY_COLOURS["billing"])):
        counts = dict(bands.filter(pl.col("network") == network)
                      .select("band", "tickets").iter_rows())
        traces.append({"type": "bar", "name": name, "x": names,
                       "y": [counts.get(b, 0) for b in RESOLVE_BANDS],
                       "marker": {"color": colour},
                       "hovertemplate": f"%{{x}}: %{{y:,}} {name.lower()} tickets"
                                        "<extra></extra>"})
    return {"data": traces, "layout": theme.layout(
        barmode="group", bargap=0.25, showlegend=True,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        xaxis={"title": {"text": "Time to resolve"}}, yaxis={"title": {"text": "Tickets"}},
        margin={**_MARGIN, "t": 28})}
