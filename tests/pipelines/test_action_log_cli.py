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


def test_the_recorded_exports_are_listed_newest_first(settings, tmp_path):
    env = {"CXBRIDGE_HOME": str(settings.home), "CXBRIDGE_CONFIG": "", "COLUMNS": "200"}
    runner = CliRunner()
    empty = runner.invoke(app, ["outcomes", "actions"], env=env)
    assert empty.exit_code == 0 and "No recorded exports" in empty.output
    now = datetime.now(UTC)
    times = iter([now - timedelta(days=3), now - timedelta(hours=2), now - timedelta(hours=1)])
    log = ActionLog(settings.action_log_file, clock=lambda: next(times))
    log.record("campaign", "SUMMER-UP", _listed(["C1", "C2", "C3"], {"C3"}), user="ana",
               role="marketing")
    log.record("care", "INC-42", _listed(["C1", "C9"], set()), user="desk", role="care")
    log.record("campaign", "SUMMER-UP", _listed(["C1", "C2", "C3", "C4"], {"C3"}), user="bo",
               role="marketing")
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
