"""The dashboard's one palette: brand colours, status colours and the plotly template.

Status colours mean the same on every page: a tile, a bar and a badge that are "poor" are the
same red everywhere. Status names are those returned by
:meth:`cxbridge.platform.metrics.Metric.status`.
"""

from __future__ import annotations

from cxbridge.platform.metrics import STATUS_WORDS, status_word

BRAND = "#0f2d52"  # header, headings
ACCENT = "#0b6bcb"  # the series being looked at
MUTED = "#6b7785"  # secondary text, axes
GRID = "#e6eaef"
SURFACE = "#ffffff"
PAGE = "#f4f6f9"

STATUS_COLOURS: dict[str, str] = {
    "good": "#1f7a3a",
    "watch": "#c77700",
    "poor": "#c0392b",
    "unknown": "#6b7785",
}

STATUS_LABELS: dict[str, str] = STATUS_WORDS  # the registry's words (platform.metrics)

# Categorical series (colour-blind safe, Okabe–Ito order, starting with the accent blue).
SERIES = ("#0b6bcb", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442")

FONT_FAMILY = (
    'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
)


def status_colour(status: str) -> str:
    """The colour of a status ('good', 'watch', 'poor', 'unknown')."""
    return STATUS_COLOURS.get(status, STATUS_COLOURS["unknown"])


def status_label(status: str) -> str:
    """The words shown for a status."""
    return status_word(status)


def template_layout() -> dict:
    """The layout part of the plotly template every figure uses: quiet grid, product font,
    brand colours."""
    axis = {
        "gridcolor": GRID,
        "linecolor": GRID,
        "zerolinecolor": GRID,
        "tickfont": {"color": MUTED},
        "title": {"font": {"color": MUTED}},
        "automargin": True,
    }
    return {
        "font": {"family": FONT_FAMILY, "size": 12, "color": BRAND},
        "colorway": list(SERIES),
        "paper_bgcolor": SURFACE,
        "plot_bgcolor": SURFACE,
        "margin": {"l": 8, "r": 8, "t": 8, "b": 8},
        "xaxis": axis,
        "yaxis": axis,
        "hoverlabel": {"font": {"family": FONT_FAMILY}},
        "showlegend": False,
    }


def colour_key(entries: list[tuple[str, str]], symbol: str = "square") -> list[dict]:
    """Legend-only traces, one per (label, colour): the key of colours that vary within one
    trace (bars coloured by status or family), which a legend of traces cannot give. They
    hold no data, so they add no category, point or hover."""
    return [{"type": "scatter", "mode": "markers", "name": label, "x": [None], "y": [None],
             "marker": {"color": colour, "symbol": symbol, "size": 10}, "hoverinfo": "skip",
             "showlegend": True} for label, colour in entries]


KEY_LEGEND = {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0,
              "font": {"size": 11}, "itemclick": False, "itemdoubleclick": False}


def layout(**parts: object) -> dict:
    """A figure layout as a plain dict with the product template: figures are built as
    dicts (plotly.js reads them as they are), which is many times faster than validating
    ``graph_objects`` on every callback."""
    return {"template": {"layout": template_layout()}, **parts}
