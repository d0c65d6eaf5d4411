"""Unit tests of alarm correlation (pure): episodes and their topology-and-time links in →
incidents with a root, symptoms and attached alarms out."""

from __future__ import annotations

from datetime import datetime, timedelta

import polars as pl

from cxbridge.models.incidents.correlate import correlate

T0 = datetime(2026, 10, 2, 10)


def _episodes(*rows) -> pl.DataFrame:
    """rows: (episode_id, minutes after T0, affecting, severity_rank, root_hint)"""
    return pl.DataFrame([(e, T0 + timedelta(minutes=m), a, s, h) for e, m, a, s, h in rows],
                        schema=["episode_id", "started_at", "affecting", "severity_rank",
                                "root_hint"], orient="row")


def _links(*rows) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=["upper_id", "lower_id", "relation",
                                            "both_affecting"], orient="row")


def _as_dict(frame: pl.DataFrame) -> dict[str, tuple[str, str]]:
    return {e: (i, r) for i, e, r in frame.iter_rows()}


def test_the_episode_above_the_others_is_the_root_even_when_raised_last():
    episodes = _episodes(("SITE", 2, True, 4, False), ("CELL1", 0, True, 5, False),
                         ("CELL2", 1, True, 5, False))
    links = _links(("SITE", "CELL1", "below", True), ("SITE", "CELL2", "below", True),
                   ("CELL1", "CELL2", "sibling", True))
    assert _as_dict(correlate(episodes, links)) == {
        "SITE": ("PRB-SITE", "root"), "CELL1": ("PRB-SITE", "symptom"),
        "CELL2": ("PRB-SITE", "symptom")}


def test_unlinked_episodes_are_separate_incidents():
    episodes = _episodes(("A", 0, True, 5, False), ("B", 0, True, 5, False))
    result = _as_dict(correlate(episodes, _links()))
    assert result == {"A": ("PRB-A", "root"), "B": ("PRB-B", "root")}


def test_a_tie_goes_to_the_sources_root_flag_then_to_the_earlier():
    episodes = _episodes(("DNS1", 0, True, 5, False), ("DNS2", 1, True, 5, True))
    links = _links(("DNS1", "DNS2", "pool", True))
    assert _as_dict(correlate(episodes, links))["DNS2"] == ("PRB-DNS2", "root")
    assert _as_dict(correlate(episodes, links, use_hints=False))["DNS1"] == ("PRB-DNS1", "root")


def test_an_alarm_that_is_not_service_affecting_attaches_but_never_joins_two_incidents():
    episodes = _episodes(("UPLINK", 0, True, 5, False), ("OLT-WARN", 0, False, 4, False),
                         ("OTHER", 0, True, 5, False), ("DOOR", 30, False, 2, False))
    links = _links(("UPLINK", "OLT-WARN", "below", False),
                   ("OLT-WARN", "OTHER", "below", False))
    result = _as_dict(correlate(episodes, links))
    # OLT-WARN lies below UPLINK (preferred) and above OTHER: it attaches to UPLINK, and
    # UPLINK and OTHER stay two incidents; the lone door alarm opens nothing
    assert result == {"UPLINK": ("PRB-UPLINK", "root"), "OTHER": ("PRB-OTHER", "root"),
                      "OLT-WARN": ("PRB-UPLINK", "attached")}


def test_links_to_episodes_out_of_scope_are_ignored():
    episodes = _episodes(("A", 0, True, 5, False))
    links = _links(("GONE", "A", "below", True))
    assert _as_dict(correlate(episodes, links)) == {"A": ("PRB-A", "root")}
