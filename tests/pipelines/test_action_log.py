"""The recorded-actions store (pipelines/platform/action_log.py): a customer is recorded once
per campaign or incident whatever the number of downloads, keeps their first arm, and the rows
are append-only; reading never creates the store; a damaged file is a clear error; and the
``[outcomes] care_control_rate`` setting is checked."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from cxbridge.platform.action_log import ActionLog, ActionLogError
from cxbridge.platform.settings import SettingsError, load_settings


def _listed(ids: list[str], control: set[str] = frozenset(),
            programme: str = "campaign:retention") -> pl.DataFrame:
    return pl.DataFrame({"customer_id": ids,
                         "arm": ["control" if c in control else "treated" for c in ids],
                         "programme": programme, "offer": "retention", "channel": "email",
                         "reason": "high", "cost_eur": None})


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.at += timedelta(minutes=1)
        return self.at


def test_a_list_recorded_twice_is_recorded_once_and_keeps_its_first_arms(tmp_path: Path):
    log = ActionLog(tmp_path / "ops" / "actions.sqlite", clock=Clock())
    first = log.record("campaign", "SPRING", _listed(["C1", "C2", "C3"], {"C2"}), user="ana",
                       role="marketing", snapshot="run-1", control_rate=0.1)
    assert (first.new_treated, first.new_control) == (2, 1)
    # again, with a customer more and C2 drawn treated this time: C2 stays control
    again = log.record("campaign", "SPRING", _listed(["C4", "C1", "C2", "C3"]), user="bo",
                       role="operations", snapshot="run-2")
    assert (again.new_treated, again.new_control) == (1, 0)
    assert again.arms.to_dicts() == [
        {"customer_id": "C4", "arm": "treated"}, {"customer_id": "C1", "arm": "treated"},
        {"customer_id": "C2", "arm": "control"}, {"customer_id": "C3", "arm": "treated"}]
    # another campaign and a care list are other actions for the same customers
    log.record("campaign", "AUTUMN", _listed(["C1"]), user="ana", role="marketing")
    log.record("care", "INC-1", _listed(["C1"], programme="care:incident follow-up"),
               user="desk", role="care")
    actions = log.actions()
    assert actions.height == 6 and actions["action_id"].n_unique() == 6
    assert sorted(actions["action_id"]) == [
        "campaign:AUTUMN:C1", "campaign:SPRING:C1", "campaign:SPRING:C2", "campaign:SPRING:C3",
        "campaign:SPRING:C4", "care:INC-1:C1"]
    c4 = actions.filter(pl.col("action_id") == "campaign:SPRING:C4").row(0, named=True)
    assert c4["sent_at"] == datetime(2026, 12, 6, 9, 2)  # the download that first listed it
    downloads = log.exports()
    assert downloads["export_id"].to_list() == [4, 3, 2, 1]
    spring = downloads.filter(pl.col("programme_key") == "SPRING")
    assert spring.select("user", "listed", "treated", "control").rows() == [
        ("bo", 4, 3, 1), ("ana", 3, 2, 1)]
    since = log.exports(since=datetime(2026, 12, 6, 9, 2, 30, tzinfo=UTC))
    assert since["export_id"].to_list() == [4, 3]



def test_the_same_list_downloaded_again_keeps_its_recorded_arms(tmp_path: Path):
    """Again in the same order (the quick path) and in another: the recorded arms, whatever
    the list says now; nothing new is written."""
    log = ActionLog(tmp_path / "ops" / "actions.sqlite", clock=Clock())
    log.record("campaign", "SPRING", _listed(["C1", "C2", "C3"], {"C2"}), user="ana",
               role="marketing")
    for order in (["C1", "C2", "C3"], ["C3", "C1", "C2"]):
        again = log.record("campaign", "SPRING", _listed(order, {"C1"}), user="bo",
                           role="marketing")
        assert (again.new_treated, again.new_control) == (0, 0)
        assert dict(again.arms.iter_rows()) == {"C1": "treated", "C2": "control",
                                                "C3": "treated"}
        assert again.arms["customer_id"].to_list() == order
    assert log.actions().height == 3

def test_arms_are_drawn_only_for_customers_new_to_the_list(tmp_path: Path):
    """With ``draw``, the control draw is made for the customers the list has not recorded yet,
    and a list downloaded again (from memory or not) gives every customer their first arm."""
    drawn: list[list[str]] = []

    def draw(ids: pl.Series) -> pl.Series:
        drawn.append(ids.to_list())
        return ids.is_in(["C2", "C5"])

    listed = _listed(["C1", "C2", "C3"]).drop("arm")
    log = ActionLog(tmp_path / "actions.sqlite", clock=Clock())
    first = log.record("care", "INC-9", listed, user="desk", role="care", draw=draw)
    again = log.record("care", "INC-9", listed, user="desk", role="care", draw=draw)
    assert drawn == [["C1", "C2", "C3"], []]
    assert first.arms.equals(again.arms) and (again.new_treated, again.new_control) == (0, 0)
    assert first.arms.filter(pl.col("arm") == "control")["customer_id"].to_list() == ["C2"]
    # another process records customers new to the list: this one sees them at once
    other = ActionLog(tmp_path / "actions.sqlite", clock=Clock())
    other.record("care", "INC-9", _listed(["C4", "C5"], {"C5"}).drop("arm"), user="night",
                 role="care", draw=draw)
    more = log.record("care", "INC-9", _listed(["C5", "C3", "C4"]).drop("arm"), user="desk",
                      role="care", draw=draw)
    assert drawn[-2:] == [["C4", "C5"], []]  # drawn by the other; nothing new here
    assert (more.new_treated, more.new_control) == (0, 0)
    assert more.arms.to_dicts() == [{"customer_id": "C5", "arm": "control"},
                                    {"customer_id": "C3", "arm": "treated"},
                                    {"customer_id": "C4", "arm": "treated"}]


def test_recorded_rows_cannot_be_changed_or_deleted(tmp_path: Path):
    path = tmp_path / "actions.sqlite"
    ActionLog(path).record("campaign", "X", _listed(["C1"]), user="ana", role="marketing")
    con = sqlite3.connect(path)
    try:
        for statement in ("update recorded_lists set customers = 2",
                          "delete from recorded_lists", "update recorded_exports set user='x'",
                          "delete from recorded_exports"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                con.execute(statement)
    finally:
        con.close()
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only


def _earlier_layout(path: Path) -> None:
    """A store as cxbridge wrote it before 7 Dec 2026: campaign SPRING's first download, its
    customers one row each in recorded_actions."""
    ActionLog(path).exports()  # nothing: reading does not create the store
    ActionLog(path).record("care", "INC-0", _listed(["Z9"]), user="x", role="care")  # creates it
    con = sqlite3.connect(path)
    try:
        con.execute("insert into recorded_exports values (7, '2026-12-01T08:00:00.000Z', "
                    "'campaign', 'SPRING', 'ana', 'marketing', 'dashboard', 'run-0', 0.1, 3, 2, 1)")
        con.executemany(
            "insert into recorded_actions values ('campaign', 'SPRING', ?, ?, "
            "'2026-12-01T08:00:00.000Z', 7, 'campaign:retention', 'retention', 'email', "
            "'high', null)", [("C1", "treated"), ("C2", "control"), ("C3", "treated")])
        con.commit()
    finally:
        con.close()


def test_a_store_of_the_earlier_layout_is_read_with_the_lists_recorded_since(tmp_path: Path):
    """Customers recorded one row each (the layout before 7 Dec 2026) keep their arms, are not
    recorded again, and are measured with the customers recorded since."""
    path = tmp_path / "actions.sqlite"
    _earlier_layout(path)
    log = ActionLog(path, clock=Clock())
    again = log.record("campaign", "SPRING", _listed(["C2", "C4", "C1"]), user="bo",
                       role="marketing", snapshot="run-1")
    assert (again.new_treated, again.new_control) == (1, 0)  # C4 only
    assert again.arms.to_dicts() == [{"customer_id": "C2", "arm": "control"},
                                     {"customer_id": "C4", "arm": "treated"},
                                     {"customer_id": "C1", "arm": "treated"}]
    actions = log.actions()
    assert actions.filter(pl.col("action_id").str.starts_with("campaign:SPRING:")).select(
        "customer_id", "arm", "sent_at").rows() == [
        ("C1", "treated", datetime(2026, 12, 1, 8)), ("C2", "control", datetime(2026, 12, 1, 8)),
        ("C3", "treated", datetime(2026, 12, 1, 8)), ("C4", "treated", datetime(2026, 12, 6, 9, 1))]
    spring = log.exports().filter(pl.col("programme_key") == "SPRING")
    assert spring.select("export_id", "new_treated", "treated", "control").rows() == [
        (8, 1, 3, 1), (7, 2, 2, 1)]


def test_a_recorded_list_that_cannot_be_read_is_a_clear_error(tmp_path: Path):
    path = tmp_path / "actions.sqlite"
    log = ActionLog(path)
    log.record("care", "INC-1", _listed(["C1"]), user="desk", role="care")
    con = sqlite3.connect(path)
    try:
        con.execute("insert into recorded_exports values (9, '2026-12-06T10:00:00.000Z', "
                    "'care', 'INC-1', 'desk', 'care', 'dashboard', null, 0, 1, 1, 0)")
        con.execute("insert into recorded_lists values (9, 'care', 'INC-1', 1, "
                    "'arrow-ipc-zstd', x'00ff')")
        con.commit()
    finally:
        con.close()
    for read in (lambda: ActionLog(path).actions(),
                 lambda: ActionLog(path).record("care", "INC-1", _listed(["C2"]), user="desk",
                                                role="care")):
        with pytest.raises(ActionLogError, match=r"recorded list of download 9 cannot be read"):
            read()
    assert ActionLog(path).exports().height == 2  # the refused download wrote nothing


def test_two_downloads_at_once_record_each_customer_once(tmp_path: Path):
    path = tmp_path / "actions.sqlite"
    ids = [f"C{i:05d}" for i in range(2000)]
    errors: list[BaseException] = []

    def download(user: str) -> None:
        try:
            ActionLog(path).record("care", "INC-9", _listed(ids, set(ids[::7])), user=user,
                                   role="care")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=download, args=(f"u{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    log = ActionLog(path)
    assert log.actions().height == len(ids)
    downloads = log.exports()
    assert sorted(downloads["new_treated"] + downloads["new_control"]) == [0, 0, 0, len(ids)]


def test_reading_never_creates_the_store(tmp_path: Path):
    log = ActionLog(tmp_path / "ops" / "actions.sqlite")
    assert log.actions().is_empty() and log.exports().is_empty()
    assert not (tmp_path / "ops").exists()


def test_a_damaged_store_is_an_error_naming_the_file(tmp_path: Path):
    path = tmp_path / "actions.sqlite"
    path.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(ActionLogError, match="actions.sqlite cannot be used"):
        ActionLog(path).record("campaign", "X", _listed(["C1"]), user="ana", role="marketing")
    with pytest.raises(ActionLogError, match="move it aside"):
        ActionLog(path).actions()


def test_a_list_with_a_bad_arm_is_refused_before_anything_is_written(tmp_path: Path):
    log = ActionLog(tmp_path / "actions.sqlite")
    bad = _listed(["C1", "C2"]).with_columns(arm=pl.Series(["treated", "maybe"]))
    with pytest.raises(ValueError, match="arm"):
        log.record("campaign", "X", bad, user="ana", role="marketing")
    with pytest.raises(ValueError, match="kind"):
        log.record("survey", "X", _listed(["C1"]), user="ana", role="marketing")
    assert log.actions().is_empty()


def _settings(tmp_path: Path, text: str):
    config = tmp_path / "cxbridge.toml"
    config.write_text(text, encoding="utf-8")
    return load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"),
                          "CXBRIDGE_CONFIG": str(config)})


def test_the_care_control_rate_setting(tmp_path: Path):
    assert _settings(tmp_path, "").care_control_rate == 0.1
    assert _settings(tmp_path, "[outcomes]\ncare_control_rate = 0\n").care_control_rate == 0
    assert _settings(tmp_path, "[outcomes]\ncare_control_rate = 0.5\n").care_control_rate == 0.5
    settings = _settings(tmp_path, "")
    assert settings.action_log_file == settings.dashboard.workflow_file.parent / "actions.sqlite"
    for value in ("0.51", "-0.1", "\"ten\"", "true", "nan"):
        with pytest.raises(SettingsError, match=r"\[outcomes\] care_control_rate is .*0 to 0.5"):
            _settings(tmp_path, f"[outcomes]\ncare_control_rate = {value}\n")
    with pytest.raises(SettingsError, match=r"\[outcomes\] takes care_control_rate"):
        _settings(tmp_path, "[outcomes]\ncare_rate = 0.1\n")
