"""What a missing feed would add, said on the page that would show it, and what the data gives.

Every output a user sees declares its feeds (pipelines/jobs/capabilities.py) and the pages that show
it; each snapshot carries the resulting table (``capabilities``). The shell puts these notices
above whichever page is open, so a page built from feeds that have not arrived says plainly what
it needs and which files would bring it, instead of showing empty charts; a new page gets its
notices by naming itself in an output's ``pages``. On the Overview, when anything is missing,
a short "what your data gives" list links to the pages that do have data; while the customer
views cannot be built, the Overview shows every output as a card instead of empty KPI tiles
(:func:`output_cards`).
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import polars as pl
from dash import dcc, html

NOT_BUILT, PARTIAL, BUILT = "not built", "partial", "built"


def for_page(capabilities: pl.DataFrame, path: str) -> list[dict]:
    """The outputs shown on ``path`` that are not (fully) built, worst first."""
    if capabilities.is_empty():
        return []
    mine = capabilities.filter(
        pl.col("pages").str.split(" ").list.contains(path) & (pl.col("status") != BUILT))
    return mine.sort(pl.col("status") != NOT_BUILT).to_dicts()


def notices(capabilities: pl.DataFrame, path: str) -> list:
    """The notices for ``path``: one alert per output not built or partial there, and on the
    Overview a summary of what the data does give."""
    shown = [_notice(row) for row in _noticed(capabilities, path)]
    if path == "/" and not capabilities.is_empty() and shown:
        shown.insert(0, _summary(capabilities))
    return shown


def shown_on(capabilities: pl.DataFrame, path: str) -> set[str]:
    """The outputs whose notice :func:`notices` puts above ``path``."""
    return {row["output"] for row in _noticed(capabilities, path)}


def _noticed(capabilities: pl.DataFrame, path: str) -> list[dict]:
    if path == "/" and not built(capabilities, "customer_views"):
        return []  # the Overview shows every output as a card instead (output_cards)
    return for_page(capabilities, path)


def unbuilt_text(capabilities: pl.DataFrame, output: str) -> str:
    """Why ``output`` (not built) is not built and what would build it, as text with the
    commands and paths in `backticks` (the words of its notice)."""
    label = capabilities.filter(pl.col("output") == output)["label"][0]
    return f"{label}: not built yet. {needs_text(capabilities, output)}"


def needs_text(capabilities: pl.DataFrame, output: str) -> str:
    """"It needs the usage feed(s). Add `raw/usage/*.parquet` and run `cxbridge run`." for
    ``output`` (not built)."""
    row = capabilities.filter(pl.col("output") == output).row(0, named=True)
    text = f"{_reason(row)}."
    if row["how_to_enable"]:
        text += (" Add " + ", ".join(f"`{p}`" for p in row["how_to_enable"].split("; "))
                 + " and run `cxbridge run`.")
    return text


def _reason(row: dict) -> str:
    return (f"It needs the {_and(row['missing'].split('; '))} feed(s)" if row["missing"]
            else row["note"])


def _notice(row: dict) -> dbc.Alert:
    if row["status"] == NOT_BUILT:
        body = [html.Strong(f"{row['label']}: not built yet. "), html.Span(f"{_reason(row)}. ")]
        color = "warning"
    else:
        adds = row["would_add"].replace("; ", " · ")
        body = [html.Strong(f"{row['label']}: "), html.Span(f"built from what arrived; more "
                                                           f"feeds would add {adds}. ")]
        color = "info"
    if row["how_to_enable"]:
        body += [html.Span("Add "), *_paths(row["how_to_enable"]),
                 html.Span(" and run "), html.Code("cxbridge run"), html.Span(".")]
    return dbc.Alert(body, color=color, className="feed-notice mb-2",
                     id=f"feed-notice-{row['output']}")


def _summary(capabilities: pl.DataFrame) -> html.Div:
    built = capabilities.filter(pl.col("status") != NOT_BUILT).to_dicts()
    if not built:
        items = [html.Span("Nothing yet: no feed has been loaded.")]
    else:
        items = [html.Span("Your data gives: ")]
        for i, row in enumerate(built):
            first_page = row["pages"].split(" ")[0] if row["pages"] else None
            link = dcc.Link(row["label"], href=first_page) if first_page else row["label"]
            items += ([html.Span(" · ")] if i else []) + [link]
    return html.Div(items, className="feed-summary mb-2", id="feed-summary")


def _paths(how: str) -> list:
    parts: list = []
    for i, path in enumerate(how.split("; ")):
        parts += ([html.Span(", ")] if i else []) + [html.Code(path)]
    return parts


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def built(capabilities: pl.DataFrame, output: str) -> bool:
    """Whether ``output`` is built (in part at least); a snapshot without the table (published
    before capabilities existed) counts as having everything."""
    if capabilities.is_empty():
        return True
    row = capabilities.filter(pl.col("output") == output)
    return row.is_empty() or row["status"][0] != NOT_BUILT


_BADGE = {BUILT: ("Built", "success"), PARTIAL: ("Built in part", "info"),
          NOT_BUILT: ("Not built yet", "secondary")}


def output_cards(capabilities: pl.DataFrame) -> html.Div:
    """Every output as a card: what it gives, whether the loaded feeds build it, where to see
    it, and for the others the files that would bring it."""
    cards = []
    for row in capabilities.sort(pl.col("status").replace_strict(
            {BUILT: 0, PARTIAL: 1, NOT_BUILT: 2}, default=3)).to_dicts():
        label, color = _BADGE.get(row["status"], (row["status"], "secondary"))
        page = row["pages"].split(" ")[0] if row["pages"] else None
        body = [html.Div([html.Span(row["label"], className="output-card-title"),
                          dbc.Badge(label, color=color, className="ms-2")]),
                html.P(row["gives"][:1].upper() + row["gives"][1:] + ".",
                       className="output-card-gives")]
        if row["status"] != NOT_BUILT and page:
            body.append(dcc.Link("Open", href=page, className="output-card-link"))
        if row["status"] == NOT_BUILT:
            needs = (f"Needs {_and(row['missing'].split('; '))}. " if row["missing"]
                     else f"{row['note']}. ")
            body.append(html.P([html.Span(needs), *(
                [html.Span("Add "), *_paths(row["how_to_enable"])] if row["how_to_enable"]
                else [])], className="output-card-needs"))
        cards.append(dbc.Col(dbc.Card(dbc.CardBody(body), className="output-card h-100"),
                             md=6, xl=4))
    return html.Div([html.H2("What your data gives", className="section-title"),
                     dbc.Row(cards, className="g-3")], id="overview-outputs")
