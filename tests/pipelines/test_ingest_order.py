"""Impossible orderings and repeated records, as real operator feeds send them: an alarm
cleared before it was raised (the element's clock and the fault manager's differ), a ticket
resolved before it was created (a CRM writing resolved_at from another clock), and a CRM's daily
full export delivering every customer again (the latest delivery's record is in force).

Each is checked on the values in the warehouse: durations and times to resolve never negative,
nothing lost (the alarm and the ticket kept, a replaced customer record in quarantine), each
case counted once in its file's note, and rows read = loaded + quarantined for every file."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path

from cxbridge.jobs import flow
from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform import ingest, warehouse
from tests.tiny_world import write_tiny_world


def _event(event_id, alarm_id, event_time, state, *, raised=None, cleared=None,
           severity="major"):
    alarm = {"id": alarm_id, "alarmType": "communicationsAlarm",
             "perceivedSeverity": "cleared" if state == "cleared" else severity,
             "probableCause": "lossOfSignal",
             "alarmedObject": {"id": "PON-1", "@referredType": "pon_port"},
             "sourceSystemId": "EMS-FIX", "state": state, "serviceAffecting": True}
    if raised:
        alarm["alarmRaisedTime"] = raised
    if cleared:
        alarm["alarmClearedTime"] = cleared
    kind = {"raised": "AlarmCreateEvent", "updated": "AlarmAttributeValueChangeEvent",
            "cleared": "AlarmStateChangeEvent"}[state]
    return {"eventId": event_id, "eventTime": event_time, "eventType": kind,
            "event": {"alarm": alarm}}


def _jsonl(path: Path, events: list[dict]) -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")


def _accounted(con) -> None:
    """Every current file: rows read = loaded + quarantined, its quarantine rows as many."""
    files = warehouse.query(con, """
        select f.path, f.rows_read, f.rows_loaded, f.rows_quarantined,
               (select count(*) from meta.quarantine q where q.file_id = f.file_id) as held
        from meta.ingest_files f where superseded_at is null""")
    for path, read, loaded, quarantined, held in files.iter_rows():
        assert read == loaded + quarantined, path
        assert quarantined == held, path


def _note(summary, name: str) -> str:
    (found,) = [f for f in summary.files if Path(f.path).name == name]
    return found.message or ""


# --- 1. an alarm cleared before it was raised -------------------------------------------


def test_an_alarm_cleared_before_it_was_raised_is_kept_flagged_and_counted_once(
        settings, tmp_path):
    raw = write_tiny_world(tmp_path / "raw")
    alarms = raw / "alarms"
    _jsonl(alarms / "alarms_20261001b.jsonl", [
        # AL-2: raised by the fault manager at 01:00 (no raise time of its own); the element
        # stamps its clear 00:50, its clock 30 minutes behind; the clear event left at 01:20
        _event("E21", "AL-2", "2026-10-01T01:00:00Z", "raised"),
        _event("E22", "AL-2", "2026-10-01T01:20:00Z", "cleared",
               cleared="2026-10-01T00:50:00Z"),
        # AL-3: clear event and clear time both before the raise: nothing later than the raise
        _event("E31", "AL-3", "2026-10-01T02:00:05Z", "raised", raised="2026-10-01T02:00:00Z"),
        _event("E32", "AL-3", "2026-10-01T01:55:00Z", "cleared",
               cleared="2026-10-01T01:50:00Z"),
        # AL-4's raise only: its contradicting clear comes in the next file
        _event("E41", "AL-4", "2026-10-01T03:00:00Z", "raised", raised="2026-10-01T03:00:00Z"),
    ])
    summary = flow.run(settings, raw)
    assert not summary.rejected
    note = _note(summary, "alarms_20261001b.jsonl")
    assert note.startswith("2 alarm(s) cleared before they were raised (e.g. AL-2: raised "
                           "2026-10-01 01:00:00, clear sent as 2026-10-01 00:50:00")
    assert "check the clocks (NTP)" in note
    assert "cleared before" not in _note(summary, "alarms_20261001.jsonl")

    # the next file: AL-4's clear from the skewed clock (counted here, once) and an update of
    # AL-2 (already counted: not again)
    _jsonl(alarms / "alarms_20261002.jsonl", [
        _event("E42", "AL-4", "2026-10-01T03:10:00Z", "cleared",
               cleared="2026-10-01T02:40:00Z"),
        _event("E23", "AL-2", "2026-10-01T01:10:00Z", "updated", severity="critical"),
        _event("E51", "AL-5", "2026-10-01T04:00:00Z", "raised", raised="2026-10-01T04:00:00Z"),
    ])
    again = flow.run(settings, raw)
    assert _note(again, "alarms_20261002.jsonl").startswith(
        "1 alarm(s) cleared before they were raised (e.g. AL-4: raised 2026-10-01 03:00:00, "
        "clear sent as 2026-10-01 02:40:00")
    assert {f.status for f in again.files if Path(f.path).name != "alarms_20261002.jsonl"} \
        == {"unchanged"}

    with warehouse.connect(settings, read_only=True) as con:
        alarms_rows = warehouse.query(con, """
            select alarm_id, raised_at, cleared_at, reported_cleared_at, duration_minutes,
                   cleared_before_raised, status, stale, effective_cleared_at
            from core.alarms order by alarm_id""")
        by_id = {r["alarm_id"]: r for r in alarms_rows.iter_rows(named=True)}
        assert set(by_id) == {"AL-1", "AL-2", "AL-3", "AL-4", "AL-5"}  # none lost
        # an ordinary alarm is as before, and so is one not cleared yet
        assert by_id["AL-1"]["duration_minutes"] == 15.0
        assert by_id["AL-1"]["cleared_before_raised"] is False
        assert (by_id["AL-5"]["status"], by_id["AL-5"]["cleared_at"],
                by_id["AL-5"]["duration_minutes"], by_id["AL-5"]["cleared_before_raised"]) \
            == ("open", None, None, False)
        # the clear event's own time (the raise's clock) where it is after the raise ...
        assert by_id["AL-2"]["cleared_at"] == datetime(2026, 10, 1, 1, 20)
        assert by_id["AL-2"]["reported_cleared_at"] == datetime(2026, 10, 1, 0, 50)
        assert by_id["AL-2"]["duration_minutes"] == 20.0
        assert by_id["AL-4"]["duration_minutes"] == 10.0
        # ... else the raise itself: a zero duration, never a negative one
        assert by_id["AL-3"]["cleared_at"] == datetime(2026, 10, 1, 2, 0)
        assert by_id["AL-3"]["duration_minutes"] == 0.0
        for alarm_id in ("AL-2", "AL-3", "AL-4"):
            row = by_id[alarm_id]
            assert row["cleared_before_raised"] is True
            assert row["status"] == "cleared" and row["stale"] is False
            assert row["effective_cleared_at"] == row["cleared_at"] >= row["raised_at"]
        assert warehouse.scalar(con, "select min(duration_minutes) from core.alarms") >= 0
        # nothing downstream reads a negative stretch of fault
        assert warehouse.scalar(con, "select count(*) from core.service_fault_intervals "
                                     "where ends < starts") == 0
        # kept, not quarantined: each alarm once in the warehouse
        assert warehouse.scalar(con, "select count(*) from meta.quarantine "
                                     "where source = 'alarms'") == 0
        _accounted(con)


# --- 2. a ticket resolved before it was created -----------------------------------------

TICKETS_HEADER = ("ticket_id,customer_id,service_id,created_at,resolved_at,status,channel,"
                  "category,severity,description\n")


def test_a_ticket_resolved_before_it_was_created_is_quarantined_with_what_to_check(
        settings, tmp_path):
    raw = write_tiny_world(tmp_path / "raw")
    day2 = raw / "tickets" / "tickets_20261002.csv"
    row_t3 = ("T3,C2,CFS-2,2026-10-02T10:00:00Z,2026-10-02T12:00:00Z,closed,chat,billing,"
              "minor,Bill wrong\n")
    day2.write_text(
        TICKETS_HEADER
        + "T2,C1,CFS-1,2026-10-02T09:00:00Z,2026-10-02T08:30:00Z,resolved,phone,slow_speed,"
          "minor,Slow again\n" + row_t3, encoding="utf-8")
    summary = flow.run(settings, raw)
    assert not summary.rejected
    result = next(f for f in summary.files if Path(f.path).name == "tickets_20261002.csv")
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
    assert "1 ticket(s) resolved before they were created: quarantined (first: line 2)" \
        in result.message

    with warehouse.connect(settings, read_only=True) as con:
        ((line, reason, original),) = warehouse.rows(
            con, "select line, reason, original from meta.quarantine where source = 'tickets'")
        assert line == 2 and json.loads(original)["ticket_id"] == "T2"
        assert reason.startswith("resolved_at 2026-10-02 08:30:00 is before created_at "
                                 "2026-10-02 09:00:00 (by 30.0 min): the export's resolved_at "
                                 "is from another clock or time zone? Check the tickets "
                                 "mapping's time_zone")
        # nothing impossible reaches the marts: every time to resolve there is known or NULL,
        # never negative
        marts = dict(warehouse.query(con, "select ticket_id, hours_to_resolve "
                                          "from marts.tickets").rows())
        assert marts == {"T1": None, "T3": 2.0}
        assert warehouse.scalar(con, "select count(*) from marts.ticket_daily "
                                     "where minutes_to_resolve_sum < 0") == 0
        _accounted(con)

    # the export put right (its resolved_at in the right clock) and delivered again: T2 loads
    day2.write_text(
        TICKETS_HEADER
        + "T2,C1,CFS-1,2026-10-02T09:00:00Z,2026-10-02T10:30:00Z,resolved,phone,slow_speed,"
          "minor,Slow again\n" + row_t3, encoding="utf-8")
    again = flow.run(settings, raw)
    result = next(f for f in again.files if Path(f.path).name == "tickets_20261002.csv")
    assert (result.status, result.rows_loaded, result.rows_quarantined) == ("replaced", 2, 0)
    with warehouse.connect(settings) as con:
        assert dict(warehouse.query(con, "select ticket_id, hours_to_resolve "
                                         "from marts.tickets").rows()) \
            == {"T1": None, "T2": 1.5, "T3": 2.0}
        assert warehouse.scalar(con, "select count(*) from meta.quarantine") == 0
        _accounted(con)

        # a row an earlier version of cxbridge loaded as it came: still no negative time
        con.execute("update stg.tickets set resolved_at = timestamp '2026-10-02 08:30:00' "
                    "where ticket_id = 'T2'")
        warehouse.execute_sql_file(con, SERVICE_SQL / "marts" / "tickets.sql")
        assert warehouse.query(con, "select resolved_at, hours_to_resolve from marts.tickets "
                                    "where ticket_id = 'T2'").rows() == [(None, None)]


# --- 3. the same customer in two deliveries ---------------------------------------------

CUSTOMERS_HEADER = ("customer_id,name,email,phone,segment,region,city,contract_type,"
                    "payment_method,customer_since,monthly_charges_eur,status\n")


def _customer(cid: str, charges: float, status: str = "active") -> str:
    return (f"{cid},Name {cid},{cid.lower()}@example.ie,,consumer,Dublin,Dublin,"
            f"month-to-month,direct_debit,2021-05-01,{charges},{status}\n")


def _crm(folder: Path, name: str, *rows: str) -> Path:
    path = folder / "customers" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(CUSTOMERS_HEADER + "".join(rows), encoding="utf-8")
    return path


def _load(settings, raw: Path, *paths: Path):
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.prepare(con)
        return ingest.ingest_many(con, [(ingest.source("customers"), p) for p in paths], "t",
                                  raw_root=raw)


def _in_force(settings) -> dict[str, tuple[float, str, str]]:
    """customer → (charges, status, the file name of the record in force); the accounting of
    every file checked on the way."""
    with warehouse.connect(settings) as con:
        _accounted(con)
        return {cid: (charges, status, Path(path).name) for cid, charges, status, path in
                warehouse.rows(con, "select c.customer_id, c.monthly_charges_eur, c.status, "
                                    "f.path from stg.customers c join meta.ingest_files f "
                                    "on f.file_id = c._file_id")}


def _held(settings) -> list[tuple[str, str]]:
    with warehouse.connect(settings) as con:
        return warehouse.rows(con, "select path, reason from meta.quarantine "
                                   "where source = 'customers' order by path, reason")


def test_the_latest_daily_crm_delivery_is_the_record_in_force(settings, tmp_path):
    raw = tmp_path / "raw"
    day1 = _crm(raw, "customers_20261001.csv", _customer("C1", 49.99), _customer("C2", 35.0))
    day2 = _crm(raw, "customers_20261002.csv", _customer("C1", 59.99, "terminated"),
                _customer("C2", 35.0), _customer("C3", 20.0))
    first, second = _load(settings, raw, day1, day2)
    # the run counts each record once: the older file's rows it replaced are quarantined now
    assert [(f.rows_read, f.rows_loaded, f.rows_quarantined) for f in (first, second)] \
        == [(2, 0, 2), (3, 3, 0)]
    assert second.message.startswith("a newer delivery: 1 record(s) changed by it, "
                                     "1 restated unchanged")
    assert _in_force(settings) == {"C1": (59.99, "terminated", "customers_20261002.csv"),
                                   "C2": (35.0, "active", "customers_20261002.csv"),
                                   "C3": (20.0, "active", "customers_20261002.csv")}
    # the records replaced are not lost: in quarantine under their own file, saying why
    held = _held(settings)
    assert [Path(p).name for p, _ in held] == ["customers_20261001.csv"] * 2
    assert all(r.startswith("replaced by a newer delivery: ") and "customers_20261002.csv" in r
               for _, r in held)
    with warehouse.connect(settings) as con:
        counts = dict(warehouse.rows(con, "select rel_path, (rows_read, rows_loaded, "
                                          "rows_quarantined) from meta.ingest_files"))
        assert counts == {"customers/customers_20261001.csv": (2, 0, 2),
                          "customers/customers_20261002.csv": (3, 3, 0)}

    # re-delivery as before: the same files again change nothing; a byte-identical copy
    # under another path is quarantined as a copy and changes nothing either
    copy = raw / "customers" / "again" / "customers_20261002.csv"
    copy.parent.mkdir()
    shutil.copy(day2, copy)
    unchanged_1, unchanged_2, copied = _load(settings, raw, day1, day2, copy)
    assert (unchanged_1.status, unchanged_2.status) == ("unchanged", "unchanged")
    assert (copied.rows_loaded, copied.rows_quarantined) == (0, 3)
    assert _in_force(settings)["C1"] == (59.99, "terminated", "customers_20261002.csv")

    # the newer delivery corrected under the same path, without C1: C1's latest other record
    # comes back from quarantine (never lost)
    _crm(raw, "customers_20261002.csv", _customer("C2", 36.0), _customer("C3", 20.0),
         _customer("C4", 25.0))
    (corrected,) = _load(settings, raw, day2)
    assert (corrected.status, corrected.rows_loaded) == ("replaced", 3)
    assert _in_force(settings) == {"C1": (49.99, "active", "customers_20261001.csv"),
                                   "C2": (36.0, "active", "customers_20261002.csv"),
                                   "C3": (20.0, "active", "customers_20261002.csv"),
                                   "C4": (25.0, "active", "customers_20261002.csv")}
    with warehouse.connect(settings) as con:
        assert warehouse.rows(con, "select rows_loaded, rows_quarantined from "
                                   "meta.ingest_files where rel_path = "
                                   "'customers/customers_20261001.csv'") == [(1, 1)]


def test_an_older_delivery_arriving_late_does_not_replace_the_newer_record(settings, tmp_path):
    raw = tmp_path / "raw"
    day2 = _crm(raw, "customers_2026-10-02.csv", _customer("C1", 59.99))
    day1 = _crm(raw, "customers_2026-10-01.csv", _customer("C1", 49.99))
    _load(settings, raw, day2)
    (late,) = _load(settings, raw, day1)
    assert (late.rows_loaded, late.rows_quarantined) == (0, 1)
    assert _in_force(settings) == {"C1": (59.99, "active", "customers_2026-10-02.csv")}
    ((path, reason),) = _held(settings)
    assert Path(path).name == "customers_2026-10-01.csv"
    assert reason.endswith("a newer delivery (2026-10-02) than this file's (2026-10-01): "
                           "that record stays in force")


def test_two_deliveries_of_the_same_day_that_disagree_are_not_ordered_silently(settings,
                                                                               tmp_path):
    raw = tmp_path / "raw"
    morning = _crm(raw, "crm_20261002_a.csv", _customer("C1", 49.99), _customer("C2", 35.0))
    evening = _crm(raw, "crm_20261002_b.csv", _customer("C1", 59.99), _customer("C2", 35.0))
    _, second = _load(settings, raw, morning, evening)
    assert (second.rows_loaded, second.rows_quarantined) == (0, 2)
    assert "1 customer_id(s) differ from a delivery of the same date or an undated one: " \
           "which is the latest cannot be told, the record loaded first is kept" \
           in second.message
    assert _in_force(settings) == {"C1": (49.99, "active", "crm_20261002_a.csv"),
                                   "C2": (35.0, "active", "crm_20261002_a.csv")}
    reasons = dict((r.split("(")[1].split(")")[0], r) for _, r in _held(settings))
    assert "which of the two is the latest delivery cannot be told (this file: 2026-10-02; " \
           "that one: 2026-10-02)" in reasons["C1"]
    assert "Name each delivery by its date" in reasons["C1"]
    assert reasons["C2"].endswith("delivered the same day (2026-10-02), with the same values: "
                                  "that record stays in force")


def test_the_run_summary_counts_a_record_a_newer_delivery_replaced_once(settings, tmp_path):
    # both deliveries in one `cxbridge run`: its file table (what the CLI prints) says what
    # the warehouse holds, not what each file looked like when it had just loaded
    raw = tmp_path / "raw"
    _crm(raw, "customers_20261001.csv", _customer("C1", 49.99), _customer("C2", 35.0))
    _crm(raw, "customers_20261002.csv", _customer("C1", 59.99), _customer("C2", 35.0),
         _customer("C3", 20.0))
    summary = flow.run(settings, raw)
    files = {Path(f.path).name: (f.rows_read, f.rows_loaded, f.rows_quarantined)
             for f in summary.files if f.source == "customers"}
    assert files == {"customers_20261001.csv": (2, 0, 2), "customers_20261002.csv": (3, 3, 0)}
