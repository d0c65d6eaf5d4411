"""The Outcomes page's data, figure and layout pieces: what each recorded programme of offers
and care contacts changed, treated against its randomly held-out control group
(``marts.programme_outcomes``, models/outcomes), read through the snapshot reader's named
queries. Data functions take a reader and return frames; the figure and layout functions take
frames and return components; none knows about callbacks.
"""

from __future__ import annotations

import polars as pl
from dash import html

from cxbridge.dashboards import labels, theme
from cxbridge.dashboards.components import Column, data_table, stat
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.figures import Figure, empty_figure
from cxbridge.platform.snapshot import snapshot_names

OUTCOME_TABLES: tuple[str, ...] = snapshot_names("marts.programme_outcomes")
UPLIFT_TABLES: tuple[str, ...] = snapshot_names("marts.uplift_programmes", "marts.uplift_qini")
QINI_NOTE = ("Whom to target: the holdout is the programmes' later actions, which the models "
             "never saw. Contact the customers in each ranking's order (left to right): the "
             "line is how many more of them stay than if nobody had been contacted (below "
             "zero: the action made more of them leave). Ranked by "
             "expected effect (the uplift model: who stays because of the action), by churn "
             "risk (who is likely to leave anyway), or at random. The higher the line above "
             "random, the better the ranking; the Qini coefficient is that area, 1 for a "
             "perfect ranking, 0 for random.")
_OFFER_NAMES = {"service_recovery": "service recovery", "retention": "retention",
                "upsell": "upsell"}  # the builder's offers (cxbridge.dashboards.campaign)
RANKINGS = {"uplift": ("Expected effect (uplift model)", "good"),
            "risk": ("Churn risk", "watch"), "random": ("At random", "unknown")}
BREAKDOWNS = {"all": "Whole programme", "segment": "Segment", "region": "Region",
              "contract_type": "Contract"}
WINDOWS = ("30", "60", "90")
NO_ACTIONS = ("No actions recorded: put your marketing or care system's actions (who was "
              "treated and who was held out as control) under raw/actions/*.csv, then run "
              "`cxbridge run`.")
VERDICT_STATUS = {"fewer left": "good", "more left": "poor", "no clear effect": "watch",
                  "too few to tell": "unknown"}
MIN_PER_ARM = 30  # models.outcomes.MIN_PER_ARM, kept apart so the page loads no model code
METHOD_NOTE = (f"Churn within the window after each action, treated against a random control "
               f"group. Effect in percentage points with its 95 % interval (Newcombe's hybrid "
               f"score interval); too few to tell when either group has fewer than "
               f"{MIN_PER_ARM} customers followed that long. Money kept: the revenue effect per "
               "customer over the window times those treated, less what the offers cost.")


def outcomes_data(reader: SnapshotReader, breakdown: str, window: str) -> pl.DataFrame | None:
    """The rows of one breakdown and window, or None when the snapshot holds no outcomes (no
    actions feed was loaded)."""
    if breakdown not in BREAKDOWNS or window not in WINDOWS:
        raise ValueError(f"breakdown must be one of {', '.join(BREAKDOWNS)} and window one of "
                         f"{', '.join(WINDOWS)}; got {breakdown!r}, {window!r}")
    if reader.missing(*OUTCOME_TABLES):
        return None
    return reader.sql("programme_outcomes", breakdown=breakdown, window=int(window))


def windows_available(reader: SnapshotReader) -> list[int]:
    """The follow-up windows the data has reached (30, 60, 90 days)."""
    if reader.missing(*OUTCOME_TABLES):
        return []
    return reader.sql("programme_windows")["window_days"].to_list()


def _names(frame: pl.DataFrame) -> list[str]:
    """'Retention discount', or 'Retention discount · Dublin' for a group of a breakdown."""
    return [labels.humanise(p) if b == "all" else f"{labels.humanise(p)} · {g}"
            for p, b, g in frame.select("programme", "breakdown", "group_value").iter_rows()]


def _euros(value: float | None) -> str:
    """'€12,480', '−€310' (or '–')."""
    if value is None:
        return "–"
    return f"{'−' if value < 0 else ''}€{abs(value):,.0f}"


def _signed(value: float | None, decimals: int = 1) -> str:
    """'+1.2', '−3.4', '0.0' (or '–'): a typographic minus, no negative zero."""
    if value is None:
        return "–"
    text = f"{abs(value):.{decimals}f}"
    if float(text) == 0:
        return text
    return ("−" if value < 0 else "+") + text


def _points(value: float | None) -> str:
    return "–" if value is None else _signed(100 * value)


def _share(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _interval(row: dict, key: str, show) -> str:
    if row[key] is None:
        return "–"
    return f"{show(row[key])} ({show(row[key + '_low'])} to {show(row[key + '_high'])})"


def summary_stats(frame: pl.DataFrame, window: int) -> html.Div:
    """Programmes measured, those too few to tell, and the customers and money kept net of cost
    over the window by the rows whose effect is clear (its interval excludes no effect: a
    point estimate of a "no clear effect" row is not counted as kept)."""
    told = frame.filter(pl.col("verdict") != "too few to tell")
    clear = told.filter(pl.col("verdict").is_in(["fewer left", "more left"]))
    # no clear effect is no news, neither good nor bad: said in words, in no colour
    kept = clear["customers_kept"].sum() if clear.height else None
    net = clear["net_kept_eur"].sum() if clear.height else None
    none_yet = "no clear effect yet" if told.height else "–"
    return html.Div([
        stat("Programmes measured", labels.format_count(told.height)),
        stat("Too few to tell", labels.format_count(frame.height - told.height)),
        stat("Clear effects", labels.format_count(clear.height)),
        stat(f"Customers kept in {window} days, clear effects",
             none_yet if kept is None else _signed(kept),
             None if kept is None else "good" if kept > 0 else "poor"),
        stat("Money kept net of cost, clear effects",
             none_yet if net is None else _euros(net),
             None if net is None else "good" if net > 0 else "poor"),
    ], className="stat-row", id="outcomes-summary")


def effect_figure(frame: pl.DataFrame) -> Figure:
    """Each told row's effect on churn (percentage points) with its 95 % interval, a dotted
    line at no effect; coloured by verdict."""
    told = frame.filter(pl.col("churn_effect").is_not_null())
    if told.is_empty():
        return empty_figure("Too few customers in every group to tell")
    told = told.with_columns(name=pl.Series(_names(told), dtype=pl.String))
    traces = []
    for verdict, status in VERDICT_STATUS.items():
        part = told.filter(pl.col("verdict") == verdict)
        if part.is_empty():
            continue
        effect = (100 * part["churn_effect"]).to_list()
        traces.append({
            "type": "scatter", "mode": "markers", "name": verdict,
            "x": effect, "y": part["name"].to_list(),
            "error_x": {"type": "data", "symmetric": False,
                        "array": (100 * (part["churn_effect_high"] - part["churn_effect"]))
                        .to_list(),
                        "arrayminus": (100 * (part["churn_effect"] - part["churn_effect_low"]))
                        .to_list(), "color": theme.status_colour(status), "thickness": 2},
            "marker": {"color": theme.status_colour(status), "size": 10},
            "hovertemplate": "%{y}: %{x:+.1f} pts<extra>" + verdict + "</extra>"})
    return {"data": traces, "layout": theme.layout(
        showlegend=True, legend={"orientation": "h", "y": 1.15, "x": 0},
        xaxis={"title": {"text": "Change in churn, treated − control (percentage points)"},
               "zeroline": False},
        yaxis={"autorange": "reversed"},
        shapes=[{"type": "line", "yref": "paper", "y0": 0, "y1": 1, "x0": 0, "x1": 0,
                 "line": {"color": theme.MUTED, "width": 1, "dash": "dot"}}],
        margin={"l": 8, "r": 8, "t": 24, "b": 8})}


def _verdict(value: str) -> html.Span:
    return html.Span(value, className=f"status-{VERDICT_STATUS.get(value, 'unknown')}")


def outcomes_table(frame: pl.DataFrame) -> html.Div:
    """One row per programme (and group): both groups, both churn rates, the effect with its
    interval, the experience effect (index points over the window, treated − control; a
    snapshot before it was measured shows –), the verdict, customers and money kept net of the
    offers' cost."""
    shown = frame.with_columns(
        what=pl.Series(_names(frame), dtype=pl.String),
        effect=pl.struct("churn_effect", "churn_effect_low", "churn_effect_high"),
        experience=pl.struct("experience_effect", "experience_effect_low",
                             "experience_effect_high")
        if "experience_effect" in frame.columns else pl.lit(None),
        net=pl.struct("net_kept_eur", "net_kept_low_eur", "net_kept_high_eur"))
    columns = [
        Column("what", "Programme"),
        Column("treated_customers", "Treated", labels.format_count, numeric=True),
        Column("control_customers", "Control", labels.format_count, numeric=True),
        Column("treated_churn_rate", "Churn, treated", _share, numeric=True),
        Column("control_churn_rate", "Churn, control", _share, numeric=True),
        Column("effect", "Effect, points (95 % interval)", lambda r: _interval(
            {"churn_effect": r["churn_effect"], "churn_effect_low": r["churn_effect_low"],
             "churn_effect_high": r["churn_effect_high"]}, "churn_effect", _points)),
        Column("experience", "Experience, points (95 %)", lambda r: "–" if not r else _interval(
            {"x": r["experience_effect"], "x_low": r["experience_effect_low"],
             "x_high": r["experience_effect_high"]}, "x", _signed)),
        Column("verdict", "Verdict", _verdict, nowrap=True),
        Column("customers_kept", "Customers kept", _signed, numeric=True),
        Column("cost_eur", "Cost", _euros, numeric=True),
        Column("net", "Money kept, net of cost (95 %)", lambda r: _interval(
            {"net": r["net_kept_eur"], "net_low": r["net_kept_low_eur"],
             "net_high": r["net_kept_high_eur"]}, "net", _euros)),
    ]
    return data_table(shown, columns, "outcomes-table", empty_text="No programme in this view")


def uplift_data(reader: SnapshotReader) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """The uplift programmes and their holdout Qini curves, or None when the snapshot has
    none."""
    if reader.missing(*UPLIFT_TABLES):
        return None
    return reader.sql("uplift_programmes"), reader.sql("uplift_qini")


def _coefficient(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def qini_figure(curves: pl.DataFrame, programmes: pl.DataFrame) -> Figure:
    """The Qini curves of every scored holdout together (``all``): uplift, risk, random, with
    each ranking's Qini coefficient in its legend."""
    shown = curves.filter(pl.col("programme") == "all")
    if shown.is_empty():
        return empty_figure("No programme has enough recorded outcomes before and after a "
                            "cut date to test a targeting model yet")
    row = programmes.filter(pl.col("programme") == "all").row(0, named=True) \
        if (programmes["programme"] == "all").any() else {}
    traces = []
    for ranking, (name, status) in RANKINGS.items():
        part = shown.filter(pl.col("ranking") == ranking)
        coefficient = row.get(f"{ranking}_qini")
        legend = name if ranking == "random" else f"{name}, Qini {_coefficient(coefficient)}"
        traces.append({
            "type": "scatter", "mode": "lines", "name": legend,
            "x": (100 * part["share_targeted"]).to_list(),
            "y": part["customers_kept"].to_list(),
            "line": {"color": theme.status_colour(status), "width": 2,
                     "dash": "dot" if ranking == "random" else "solid"},
            "hovertemplate": "%{x:.0f} % contacted: %{y:+.1f} kept<extra>" + name
                             + "</extra>"})
    return {"data": traces, "layout": theme.layout(
        showlegend=True, legend={"orientation": "h", "y": 1.18, "x": 0},
        xaxis={"title": {"text": "Share of the holdout's customers contacted, best first (%)"}},
        yaxis={"title": {"text": "Customers kept"}},
        margin={"l": 8, "r": 8, "t": 24, "b": 8})}


def uplift_table(programmes: pl.DataFrame) -> html.Div:
    """Per programme: whether its targeting model is in use (or why not) and its holdout."""
    usable = pl.col("published") & pl.col("offer").is_not_null()
    # of two programmes of one offer, the builder uses the one with more control outcomes, then
    # the first by name (customer_uplift.sql)
    shown = programmes.filter(pl.col("programme") != "all").sort(
        pl.col("control_outcomes"), pl.col("programme"), descending=[True, False]
    ).with_columns(first=usable & usable.cum_sum().over("offer").eq(1)).sort("programme")
    shown = shown.with_columns(
        what=pl.col("programme").map_elements(labels.humanise, return_dtype=pl.String),
        used=pl.when(usable & ~pl.col("first")).then(pl.lit(
            "no: another programme of its offer has more control outcomes"))
        .when(usable)
        .then(pl.format("yes: {} offers", pl.col("offer").replace_strict(
            _OFFER_NAMES, default=pl.col("offer"))))
        .when(pl.col("published")).then(pl.lit("no: not an offer of the builder"))
        .otherwise(pl.col("reason")),
        holdout=pl.when(pl.col("holdout_status") == "scored").then(
            pl.format("{} treated, {} control after {}", "holdout_treated", "holdout_control",
                      "cut_date")).otherwise(pl.col("holdout_reason").fill_null("not tested")))
    columns = [
        Column("what", "Programme"),
        Column("used", "Ranks the campaign builder"),
        Column("holdout", "Tested on"),
        Column("uplift_qini", "Qini, expected effect", _coefficient, numeric=True),
        Column("risk_qini", "Qini, churn risk", _coefficient, numeric=True),
    ]
    return data_table(shown, columns, "outcomes-uplift-table", empty_text="No programme")


def no_actions_notice() -> html.Div:
    return html.Div([html.P(NO_ACTIONS, className="mb-1")], className="empty-text",
                    id="outcomes-no-actions")
