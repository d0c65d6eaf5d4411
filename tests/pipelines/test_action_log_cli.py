"""``cxbridge outcomes actions``: the recorded exports listed newest first, with who, what,
and how many each download recorded new; ``--since`` and ``--kind`` narrow them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.platform.action_log import ActionLog


def _listed(ids: list[str], control: set[str]) -> pl.DataFrame:
    return pl.DataFrame({"customer_id": ids,
                         "arm": ["control" if c in control else "treated" for c in ids],
                         "programme": "campaign:upsell", "offer": "upsell", "channel": "sms",
                         "reason": "low", "cost_eur": None})


def _three_downloads(settings, care: list[str], again: list[str]) -> None:
    """Campaign SUMMER-UP three days ago (C3 control), the care list of INC-42 (``care``) two
    hours ago, and SUMMER-UP again (``again``) an hour ago."""
    now = datetime.now(UTC)
    times = iter([now - timedelta(days=3), now - timedelta(hours=2), now - timedelta(hours=1)])
    log = ActionLog(settings.action_log_file, clock=lambda: next(times))
    log.record("campaign", "SUMMER-UP", _listed(["C1", "C2", "C3"], {"C3"}), user="ana",
               role="marketing")
    log.record("care", "INC-42", _listed(care, set()), user="desk", role="care")
    log.record("campaign", "SUMMER-UP", _listed(again, {"C3"}), user="bo", role="marketing")


def test_the_recorded_exports_are_listed_newest_first(settings, tmp_path):
    env = {"CXBRIDGE_HOME": str(settings.home), "CXBRIDGE_CONFIG": "", "COLUMNS": "200"}
    runner = CliRunner()
    empty = runner.invoke(app, ["outcomes", "actions"], env=env)
    assert empty.exit_code == 0 and "No recorded exports" in empty.output
    _three_downloads(settings, care=["C1", "C9"], again=["C1", "C2", "C3", "C4"])
    listed = runner.invoke(app, ["outcomes", "actions"], env=env)
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if "SUMMER-UP" in line
             or "INC-42" in line]
    assert len(lines) == 3
    assert "bo (marketing)" in lines[0] and lines[0].split()[-7:] == [
        "4", "1", "/", "0", "3", "/", "1"]
    assert "INC-42" in lines[1] and "care" in lines[1]
    assert "ana (marketing)" in lines[2] and lines[2].split()[-7:] == [
        "3", "2", "/", "1", "2", "/", "1"]
    assert "3 download(s) of 2 campaign(s) and care list(s)" in listed.output
    assert "C1" not in listed.output  # no customer ids
    recent = runner.invoke(app, ["outcomes", "actions", "--since", "1d", "--kind", "campaign"],
                           env=env)
    assert recent.exit_code == 0 and "bo (marketing)" in recent.output
    assert "ana" not in recent.output and "INC-42" not in recent.output
    bad = runner.invoke(app, ["outcomes", "actions", "--kind", "survey"], env=env)
    assert bad.exit_code == 1 and "give campaign or care" in bad.output


def test_the_recorded_customers_are_written_to_a_private_csv(settings, tmp_path):
    env = {"CXBRIDGE_HOME": str(settings.home), "CXBRIDGE_CONFIG": "", "COLUMNS": "200"}
    _three_downloads(settings, care=["C1", "=C9"], again=["C1", "C4"])
    target = tmp_path / "out" / "recorded.csv"
    runner = CliRunner()
    done = runner.invoke(app, ["outcomes", "actions", "--customers", str(target)], env=env)
    assert done.exit_code == 0, done.output
    assert "6 recorded action(s) written" in done.output
    written = pl.read_csv(target)
    assert written.select("action_id", "customer_id", "arm").rows() == [
        ("campaign:SUMMER-UP:C1", "C1", "treated"), ("campaign:SUMMER-UP:C2", "C2", "treated"),
        ("campaign:SUMMER-UP:C3", "C3", "control"),
        ("care:INC-42:=C9", "'=C9", "treated"),  # a spreadsheet formula neutralised
        ("care:INC-42:C1", "C1", "treated"), ("campaign:SUMMER-UP:C4", "C4", "treated")]
    assert target.stat().st_mode & 0o077 == 0
    recent = runner.invoke(app, ["outcomes", "actions", "--since", "1d", "--kind", "campaign",
                                 "--customers", str(target)], env=env)
    assert recent.exit_code == 0, recent.output
    assert pl.read_csv(target)["customer_id"].to_list() == ["C4"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    refused = runner.invoke(app, ["outcomes", "actions", "--customers",
                                  str(blocked / "recorded.csv")], env=env)
    assert refused.exit_code != 0 and "cannot write it" in refused.output
