"""The Care tickets page's stats against the period just before (issue 17: change against the
previous period on every tile): the count as a relative change, the network's share in points,
more tickets read as worse, and a dash when the earlier period has none."""

from __future__ import annotations

from datetime import date

from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.tickets_view import ticket_change

EARLIER = Filters(start=date(2026, 3, 1), end=date(2026, 3, 14))


def _line(div) -> tuple[str, str]:
    return div.children, div.className


def test_counts_change_relatively_and_more_tickets_are_worse():
    assert _line(ticket_change(12, 10, EARLIER, "x")) == (
        "▲ 20.0 % vs 1–14 Mar", "kpi-change kpi-change-worse")
    assert _line(ticket_change(5, 10, EARLIER, "x")) == (
        "▼ 50.0 % vs 1–14 Mar", "kpi-change kpi-change-better")
    assert _line(ticket_change(10, 10, EARLIER, "x"))[0] == "= no change vs 1–14 Mar"


def test_shares_change_in_points():
    assert _line(ticket_change(0.40, 0.25, EARLIER, "x", points=True)) == (
        "▲ 15.0 points vs 1–14 Mar", "kpi-change kpi-change-worse")


def test_no_earlier_tickets_no_change():
    for before, earlier in ((0, EARLIER), (None, EARLIER), (10, None)):
        assert _line(ticket_change(4, before, earlier, "x")) == (
            "– vs previous period", "kpi-change kpi-change-none")
