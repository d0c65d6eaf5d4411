"""Every campaign file and care list downloaded is a recorded action, exactly once, on the mini
operator (``world.py``): the same list downloaded twice or by two roles records its customers
once; a later, larger list records only the customers new to it, in the arm they were first
drawn; the campaign's control group is recorded as control and flagged in the file, the care
list's recorded as control and left out of it; a store that cannot record refuses the
download."""

from __future__ import annotations

import csv
import io
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

import polars as pl
import pytest

from cxbridge.dashboards import campaign
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.campaign import ExportContext, choice_from_query
from cxbridge.dashboards.clock import with_utc_offsets
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.exports import (
    ACTIONS_EXTENSION,
    CARE_PROGRAMME,
    care_actions,
    care_control_note,
    care_draw,
)
from cxbridge.platform.action_log import ActionLog
from cxbridge.platform.audit import read_events
from cxbridge.platform.csv_export import write_csv
from tests.dashboards.world import OPEN_FIBRE

EXPORT = "/export/campaign.csv?from=2026-03-02&to=2026-03-15"
CARE = f"/export/care/{OPEN_FIBRE}.csv"


@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    return settings


def _rows(answer) -> list[dict]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))


def _exports(settings) -> list[dict]:
    return [e for e in read_events(settings.dashboard.audit_file) if e["event"] == "export"]


def test_the_same_campaign_downloaded_twice_is_recorded_once(published):
    client = create_app(published).server.test_client()
    url = EXPORT + "&code=spring&control=50"
    first = _rows(client.get(url + "&role=marketing"))
    again = _rows(client.get(url + "&role=operations"))  # another role, no contact details
    log = ActionLog(published.action_log_file)
    actions = log.actions()
    assert len(first) >= 10 and actions.height == len(first)
    assert actions["action_id"].n_unique() == actions.height
    assert set(actions["customer_id"]) == {r["customer_id"] for r in first}
    control = set(actions.filter(pl.col("arm") == "control")["customer_id"])
    assert control == {r["customer_id"] for r in first if r["control_group"] == "true"}
    assert control == {r["customer_id"] for r in again if r["control_group"] == "true"}
    assert 0 < len(control) < len(first)
    labels = {"Retention": "retention", "Service recovery": "service_recovery",
              "Upsell": "upsell"}
    by_customer = {r["customer_id"]: r for r in first}
    for action in actions.iter_rows(named=True):
        row = by_customer[action["customer_id"]]
        assert action["programme"] == f"campaign:{labels[row['offer']]}"
        assert action["reason"] == (row["risk_band"].lower() or None)
        assert action["action_id"] == f"campaign:SPRING:{action['customer_id']}"
        assert action["channel"] in ("email", "sms", "phone")
        assert row[f"consent_{action['channel']}"] == "true"
    downloads = log.exports()
    assert downloads["new_treated"].to_list() == [0, len(first) - len(control)]
    assert downloads["new_control"].to_list() == [0, len(control)]
    assert downloads["role"].to_list() == ["operations", "marketing"]
    assert set(downloads["programme_key"]) == {"SPRING"}
    events = _exports(published)[-2:]
    assert [e["recorded_new_control"] for e in events] == [len(control), 0]
    assert [e["control_rows"] for e in events] == [len(control)] * 2


def test_a_later_list_records_only_its_new_customers_in_their_first_arm(published):
    client = create_app(published).server.test_client()
    small = _rows(client.get(EXPORT + "&code=wave&control=0&offers=retention&role=marketing"))
    # the same campaign again, every offer and half held out: the retention customers stay
    # treated (their first arm), the others are drawn at 50 %
    whole = _rows(client.get(EXPORT + "&code=wave&control=50&role=marketing"))
    assert small and len(whole) > len(small)
    first = {r["customer_id"] for r in small}
    assert all(r["control_group"] == "false" for r in small)
    assert all(r["control_group"] == "false" for r in whole if r["customer_id"] in first)
    actions = ActionLog(published.action_log_file).actions()
    assert actions.height == len(whole)
    arms = dict(zip(actions["customer_id"], actions["arm"], strict=True))
    assert {arms[c] for c in first} == {"treated"}
    later = [r for r in whole if r["customer_id"] not in first]
    assert {arms[r["customer_id"]] for r in later} == {"treated", "control"}
    assert all((arms[r["customer_id"]] == "control") == (r["control_group"] == "true")
               for r in whole)
    new = ActionLog(published.action_log_file).exports()
    assert new["new_treated"][0] + new["new_control"][0] == len(later)


def test_the_care_list_records_its_control_group_and_leaves_it_out(published):
    app = create_app(replace(published, care_control_rate=0.4))
    client = app.server.test_client()
    sent = _rows(client.get(CARE + "?role=care"))
    again = _rows(client.get(CARE + "?role=operations"))
    actions = ActionLog(published.action_log_file).actions()
    control = set(actions.filter(pl.col("arm") == "control")["customer_id"])
    treated = set(actions.filter(pl.col("arm") == "treated")["customer_id"])
    assert control and treated and not control & treated
    assert {r["customer_id"] for r in sent} == {r["customer_id"] for r in again} == treated
    assert "control_group" not in sent[0]
    assert set(actions["programme"]) == {CARE_PROGRAMME}
    assert set(actions["reason"]) == {OPEN_FIBRE}
    assert actions.height == len(sent) + len(control)  # the whole list, once
    events = _exports(published)[-2:]
    assert [e["control_held_out"] for e in events] == [len(control)] * 2
    assert [e["recorded_new_control"] for e in events] == [len(control), 0]
    assert [e["rows"] for e in events] == [len(sent)] * 2 and events[0]["control_rate"] == 0.4


def test_no_care_control_at_rate_zero(published):
    client = create_app(replace(published, care_control_rate=0.0)).server.test_client()
    sent = _rows(client.get(CARE + "?role=care"))
    actions = ActionLog(published.action_log_file).actions()
    assert set(actions["arm"]) == {"treated"} and actions.height == len(sent) > 0
    assert care_control_note(0.0).startswith("No control group")
    assert "40 %" in care_control_note(0.4) and "left out of the file" in care_control_note(0.4)


def test_the_control_group_is_near_its_rate():
    """The draw is a hash, not a sample: over 20 000 customers the share held out is within
    four binomial standard deviations of the rate, per incident, and differs between
    incidents (a customer is not always control)."""
    ids = pl.Series([f"C{i:07d}" for i in range(20_000)])
    drawn = {}
    for rate in (0.05, 0.1, 0.3):
        for incident in ("INC-1", "INC-2"):
            flags = care_draw(incident, rate)(ids)
            control = int(flags.sum())
            bound = 4 * (ids.len() * rate * (1 - rate)) ** 0.5
            assert abs(control - rate * ids.len()) < bound, (rate, incident, control)
            drawn[rate, incident] = set(ids.filter(flags))
    assert drawn[0.1, "INC-1"] != drawn[0.1, "INC-2"]
    assert drawn[0.05, "INC-1"] <= drawn[0.1, "INC-1"] <= drawn[0.3, "INC-1"]  # nested
    assert care_draw("INC-1", 0.1)(ids).equals(care_draw("INC-1", 0.1)(ids))
    assert care_actions(ids, "INC-1")["reason"].unique().to_list() == ["INC-1"]


def test_a_damaged_store_refuses_the_download(published):
    published.action_log_file.parent.mkdir(parents=True, exist_ok=True)
    published.action_log_file.write_bytes(b"not a database, a text file" * 100)
    client = create_app(published).server.test_client()
    for url in (EXPORT + "&role=marketing", CARE + "?role=care"):
        answer = client.get(url)
        assert answer.status_code == 503
        text = answer.get_data(as_text=True)
        assert "not exported" in text and str(published.action_log_file) in text
        assert "customer_id" not in text
    assert _exports(published) == []  # nothing went out, so no export is in the audit log


def test_a_locked_store_refuses_the_download_after_its_busy_timeout(published):
    path = published.action_log_file
    app = create_app(published)
    log = ActionLog(path, busy_timeout_ms=50)
    app.server.extensions[ACTIONS_EXTENSION] = (log, 0.1)
    client = app.server.test_client()
    _rows(client.get(CARE + "?role=care"))  # the store exists and works
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("begin exclusive")
        answer = client.get(EXPORT + "&role=marketing")
        assert answer.status_code == 503 and "locked" in answer.get_data(as_text=True)
    finally:
        holder.execute("rollback")
        holder.close()
    assert client.get(EXPORT + "&role=marketing").status_code == 200  # free again: it works


def _without_export_time(body: str) -> list[dict]:
    rows = list(csv.DictReader(io.StringIO(body)))
    for row in rows:
        del row["exported_at_utc"]
    return rows


def test_the_campaign_file_built_in_parts_is_the_whole_campaign_in_order(published,
                                                                         monkeypatch):
    """The download records its list from a few columns and builds the file a part at a time;
    what it sends is the file built from the whole campaign at once, row for row, in order,
    with one header, for a first part of 3 rows and pieces of 3."""
    query = "from=2026-03-02&to=2026-03-15&code=parts&control=30&rank=effect"
    monkeypatch.setattr("cxbridge.dashboards.exports.CHUNK_ROWS", 3)
    sent = create_app(published).server.test_client().get(f"/export/campaign.csv?{query}"
                                                          "&role=marketing")
    assert sent.status_code == 200
    body = sent.get_data(as_text=True)
    reader = SnapshotReader(published)
    filters, choice = reader.filter_options().from_query(query), choice_from_query(query)
    whole = campaign.export_frame(
        campaign.campaign(reader.customer_view(filters), choice),
        reader.campaign_contact_details(), choice,
        ExportContext(run_id="world-run", built_at=reader.snapshot_info().built_at,
                      exported_at=datetime.now(UTC), period_end=filters.end))
    buffer = io.BytesIO()
    write_csv(with_utc_offsets(whole), buffer)
    expected = _without_export_time(buffer.getvalue().decode())
    assert len(expected) > 2 * 3  # the first part, and more than one piece after it
    assert sum(r["control_group"] == "true" for r in expected) > 0
    assert body.count("campaign_code,") == 1
    assert _without_export_time(body) == expected


def test_an_empty_campaign_is_a_file_with_its_header_only(published):
    url = EXPORT + "&offers=retention&bands=none&role=marketing"
    body = create_app(published).server.test_client().get(url).get_data(as_text=True)
    assert body.splitlines()[0].startswith("campaign_code,customer_id,")
    assert len(body.splitlines()) == 1
