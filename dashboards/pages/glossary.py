"""Metric glossary: every registry metric in plain words, for marketing and for the NOC.

Each entry has an anchor (``#glossary-service-availability``) that KPI tiles link to.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, clientside_callback, html

from cxbridge.dashboards import labels
from cxbridge.dashboards.components import glossary_anchor
from cxbridge.platform.metrics import METRICS, Metric

dash.register_page(__name__, path="/glossary", name="Metric glossary",
                   title="Metric glossary · cxbridge", order=90, uses_filters=False)


def layout(**_query: str) -> html.Div:
    """An index of the metrics, then one entry per metric."""
    index = html.Nav(
        [html.Span("Jump to: ", className="glossary-index-label")]
        + [html.A(m.label, href=f"#{glossary_anchor(m.name)}", className="glossary-index-link")
           for m in METRICS],
        className="glossary-index",
    )
    intro = html.P(
        "One definition per metric, used by every page, notebook and export. Rates are "
        "ratios of sums over the days and services selected, never averages of daily rates.",
        className="glossary-intro",
    )
    return html.Div(
        [html.H1("Metric glossary", className="page-title"), intro, index,
         html.Div([_entry(m) for m in METRICS], className="glossary-entries")],
        id="glossary-root",
        className="glossary",
    )


def _entry(metric: Metric) -> dbc.Card:
    facts = [
        ("How it is calculated", metric.formula_text),
        ("Unit", metric.unit),
        ("Target", labels.target_phrase(metric)),
        ("Poor when", labels.poor_text(metric).removeprefix("Poor ").capitalize() or "None set"),
        ("Direction", labels.direction_text(metric)),
        ("Measured per", metric.grain),
        ("Owner", metric.owner),
    ]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(metric.label, className="glossary-title"),
                dbc.Row(
                    [
                        dbc.Col([_meaning("For marketing", metric.for_marketing),
                                 _meaning("For network operations", metric.for_network)],
                                lg=7),
                        dbc.Col(html.Dl(
                            [part for term, text in facts
                             for part in (html.Dt(term, className="col-5"),
                                          html.Dd(text, className="col-7"))],
                            className="row glossary-facts mb-0",
                        ), lg=5),
                    ],
                    className="g-3",
                ),
            ]
        ),
        id=glossary_anchor(metric.name),
        className="glossary-entry mb-3",
    )


def _meaning(audience: str, text: str) -> html.Div:
    return html.Div([html.H3(audience, className="glossary-audience"), html.P(text)],
                    className="glossary-meaning")


# Client-side navigation does not scroll to the #anchor a tile links to: do it once rendered.
clientside_callback(
    """
    function(children) {
        const id = decodeURIComponent(window.location.hash.slice(1));
        const target = id && document.getElementById(id);
        if (target) {
            document.querySelectorAll('.glossary-entry.is-target')
                .forEach(el => el.classList.remove('is-target'));
            target.classList.add('is-target');
            setTimeout(() => target.scrollIntoView({block: 'start'}), 0);
        }
        return window.dash_clientside.no_update;
    }
    """,
    Output("glossary-root", "title"),
    Input("glossary-root", "children"),
)
