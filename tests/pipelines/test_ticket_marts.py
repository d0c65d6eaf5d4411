"""The ticket marts on golden rows: every ticket is kept with or without a known customer, each
category gets the family the categoriser's module says, the day × family × … counts and
resolution minutes add up, phrases are counted once per ticket, and empty staging tables give
empty marts. Also: a care ticket that arrives without a category gets one from its text."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform.ingest.categorise import FAMILY
from cxbridge.platform.ingest.sources import tickets as ticket_source
from cxbridge.platform.warehouse import connect, execute_sql_file

MARTS = ("marts/tickets.sql", "marts/ticket_daily.sql", "marts/ticket_phrases.sql")
STG_TICKETS = {
    "ticket_id": pl.String, "customer_id": pl.String, "service_id": pl.String,
    "created_at": pl.Datetime("us"), "resolved_at": pl.Datetime("us"), "status": pl.String,
    "channel": pl.String, "category": pl.String, "severity": pl.String,
    "description": pl.String, "location": pl.String,
}
T0 = datetime(2026, 3, 2, 9, 0)


def _ticket(ticket_id, category, customer=None, created=T0, resolved=None, status="closed",
            channel="phone", description=None, location=None):
    return (ticket_id, customer, None, created, resolved, status, channel, category, None,
            description, location)


def _build(settings, rows, customers=((),)):
    with connect(settings) as con:
        con.execute("create schema if not exists stg")
        frame = pl.DataFrame(rows, schema=STG_TICKETS, orient="row")
        con.register("incoming", frame)
        con.execute("create or replace table stg.tickets as select * from incoming")
        con.unregister("incoming")
        con.execute("create or replace table stg.customers "
                    "(customer_id varchar, segment varchar, region varchar)")
        for row in customers:
            if row:
                con.execute("insert into stg.customers values (?, ?, ?)", list(row))
        for model in MARTS:
            execute_sql_file(con, SERVICE_SQL / model)
        return {name: con.sql(f"select * from marts.{name}").pl()
                for name in ("tickets", "ticket_daily", "ticket_phrases")}


def test_tickets_without_a_customer_are_kept_with_the_area_their_location_names(settings):
    built = _build(settings, [
        _ticket("C-1", "slow_speed", description="Comcast Internet Speeds",
                location="Abingdon, Maryland, 21009"),
        _ticket("C-2", "billing", location="Allston, Massachusetts, 2134"),
        _ticket("T-1", "no_service", customer="K1", location="Somewhere, Texas, 75001"),
        _ticket("T-2", "billing", customer="K-unknown"),
    ], customers=[("K1", "consumer", "Munster")])
    tickets = built["tickets"].sort("ticket_id")
    assert tickets["ticket_id"].to_list() == ["C-1", "C-2", "T-1", "T-2"]
    assert tickets["region"].to_list() == ["Maryland", "Massachusetts", "Munster", None]
    assert tickets["segment"].to_list() == [None, None, "consumer", None]


def test_every_category_gets_the_family_the_categoriser_says(settings):
    categories = [*FAMILY, "a_category_nobody_knows", None]
    built = _build(settings, [_ticket(f"T{i}", c) for i, c in enumerate(categories)])
    family = dict(built["tickets"].select("category", "family").iter_rows())
    assert {c: family[c] for c in FAMILY} == FAMILY
    assert family["a_category_nobody_knows"] == "other" and family[None] == "other"


def test_daily_counts_and_resolution_minutes_add_up(settings):
    day2 = datetime(2026, 3, 3, 23, 30)
    built = _build(settings, [
        _ticket("A", "no_service", customer="K1", resolved=datetime(2026, 3, 2, 11, 30)),
        _ticket("B", "slow_speed", customer="K1", resolved=datetime(2026, 3, 4, 9, 0)),
        _ticket("C", "billing", customer="K1", status="inProgress"),
        _ticket("D", "billing", customer="K1", status="cancelled"),
        _ticket("E", "no_service", created=day2, status="acknowledged"),
        _ticket("F", "no_service", created=day2, status="resolved"),
    ], customers=[("K1", "smb", "Leinster")])
    daily = built["ticket_daily"]
    assert daily["tickets"].sum() == 6
    first = daily.filter(pl.col("date") == T0.date(), pl.col("family") == "network")
    assert first["tickets"].sum() == 2 and first["timed_tickets"].sum() == 2
    assert first["minutes_to_resolve_sum"].sum() == 150 + 48 * 60
    assert first["resolved_within_24h"].sum() == 1
    billing = daily.filter(pl.col("family") == "billing")
    assert billing["open_tickets"].sum() == 1  # in progress; the cancelled one is not open
    later = daily.filter(pl.col("date") == day2.date())
    assert later["tickets"].sum() == 2 and later["resolved_tickets"].sum() == 1
    assert later["open_tickets"].sum() == 1 and later["timed_tickets"].sum() == 0
    assert later["region"].to_list() == [None, None]
    keys = ["date", "family", "category", "region", "segment", "channel", "status"]
    assert daily.select(keys).is_unique().all()


def test_phrases_count_tickets_once_and_set_brand_words_aside(settings):
    built = _build(settings, [
        _ticket("A", "slow_speed", description="Comcast Internet Speeds, internet speeds!"),
        _ticket("B", "slow_speed", description="Slow internet speed"),
        _ticket("C", "no_service", description="No internet"),
        _ticket("D", "billing", description="Xfinity"),
        _ticket("E", "unspecified", description=None),
    ])
    phrases = built["ticket_phrases"]
    counts = dict(phrases.group_by("phrase").agg(pl.col("tickets").sum()).iter_rows())
    assert counts["internet speed"] == 2          # A once (twice in its text), B once
    assert counts["no internet"] == 1             # "no" is kept
    assert counts["slow internet"] == 1
    assert "comcast internet" not in counts and "xfinity" not in counts
    assert "speed internet" in counts             # A: "speeds internet speeds"
    assert set(phrases["family"]) == {"network"}


def test_empty_staging_gives_empty_marts(settings):
    built = _build(settings, [])
    assert all(frame.is_empty() for frame in built.values())
    assert "family" in built["tickets"].columns
    assert "minutes_to_resolve_sum" in built["ticket_daily"].columns


@pytest.mark.parametrize(("category", "expected"), [("", "no_service"), ("billing", "billing")])
def test_a_ticket_without_a_category_gets_the_one_its_text_says(tmp_path, category, expected):
    path = tmp_path / "tickets.csv"
    path.write_text(
        "ticket_id,customer_id,created_at,status,category,description\n"
        f"T1,C1,2026-03-02T09:00:00Z,acknowledged,{category},No internet since last night\n"
        "T2,C1,2026-03-02T10:00:00Z,acknowledged,,\n", encoding="utf-8")
    parsed = ticket_source.parse(path)["stg.tickets"].frame
    assert parsed["category"].to_list() == [expected, None]
