"""The command line as a user meets it: summaries, exit statuses, user errors without
tracebacks, and bugs with theirs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.platform import warehouse


@pytest.fixture
def cli(settings, monkeypatch):
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(settings.home.parent / "cxbridge.toml"))
    runner = CliRunner()
    return lambda *args: runner.invoke(app, list(map(str, args)), terminal_width=200)


def test_run_prints_a_per_file_summary_and_publishes(cli, tiny_raw):
    result = cli("run", "--raw", tiny_raw)
    assert result.exit_code == 0, result.output
    assert "A_PM_20261001.csv" in result.output and "loaded" in result.output
    assert "snapshot" in result.output


def test_run_exits_2_and_says_so_when_a_file_is_rejected(cli, tiny_raw):
    (tiny_raw / "surveys" / "nps_broken.csv").write_bytes(b"")
    result = cli("run", "--raw", tiny_raw)
    assert result.exit_code == 2
    assert "1 file(s) rejected" in result.output and "empty" in result.output


def test_ingest_one_source_and_list_the_quarantine(cli, tiny_raw, tmp_path):
    bad = tmp_path / "nps_bad.csv"
    bad.write_text("response_id,customer_id,responded_at,score\n"
                   "R1,C1,2026-10-01T10:00:00Z,11\nR2,C1,2026-10-01T10:00:00Z,9\n")
    assert cli("ingest", "customers", tiny_raw / "customers").exit_code == 0
    result = cli("ingest", "surveys", bad)
    assert result.exit_code == 0, result.output
    assert "1 quarantined" in result.output
    held = cli("quarantine")
    assert "score is …, must be ≤ …" in held.output and "nps_bad.csv:2" in held.output


def test_unknown_source_is_a_clear_error(cli, tiny_raw):
    result = cli("ingest", "invoices", tiny_raw)
    assert result.exit_code == 1
    assert "no source called 'invoices'" in result.output
    assert "Traceback" not in result.output


def test_run_without_a_world_explains_what_to_do(cli, tmp_path):
    result = cli("run", "--raw", tmp_path / "empty")
    assert result.exit_code == 1 and "generate a world first" in result.output


# --- user errors and bugs ---------------------------------------------------------------------

def _lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.strip()]


def test_a_user_error_is_one_line_and_status_1(cli, tmp_path):
    result = cli("sources", "check", tmp_path / "absent.csv", "--as", "kpis")
    assert result.exit_code == 1
    assert _lines(result.output) == [f"Error: {tmp_path / 'absent.csv'} does not exist (or is "
                                     "not a file)"]


def test_a_bad_config_file_is_a_user_error(cli, settings, monkeypatch):
    config = settings.home.parent / "bad.toml"
    config.write_text("[duckdb]\nthreads = 'many'\n")
    monkeypatch.setenv("CXBRIDGE_CONFIG", str(config))
    result = cli("quarantine")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert _lines(result.output) == ["Error: CXBRIDGE_DUCKDB_THREADS or [duckdb] threads is "
                                     "'many': it must be a whole number of at least 1"]


def test_a_bug_shows_its_traceback_and_how_to_report_it(cli, settings, tiny_raw, monkeypatch):
    from cxbridge.app.errors import BUG_EXIT, BUG_REPORT
    from cxbridge.jobs import flow

    def broken(*args, **kwargs):  # a programming error, not the user's: a bare KeyError
        raise KeyError("service_id")

    monkeypatch.setattr(flow, "build_marts", broken)
    result = cli("run", "--raw", tiny_raw)
    assert result.exit_code == BUG_EXIT
    assert "Traceback (most recent call last)" in result.output
    assert "in broken" in result.output and "KeyError: 'service_id'" in result.output
    assert _lines(result.output)[-1] == BUG_REPORT
    # not dressed up as a mistake of the user's
    assert not any(line.startswith("Error:") for line in _lines(result.output))
    with warehouse.connect(settings, read_only=True) as con:  # and the run says it failed
        assert warehouse.rows(con, "select status, message from meta.runs") == [
            ("failed", "'service_id'")]


def test_a_bare_value_error_in_a_sub_command_is_a_bug_too(cli, tiny_raw, monkeypatch):
    from cxbridge.app.errors import BUG_EXIT, BUG_REPORT
    from cxbridge.platform.ingest import sample_check

    def broken(*args, **kwargs):
        raise ValueError("unpacking went wrong")

    monkeypatch.setattr(sample_check, "check_sample", broken)
    result = cli("sources", "check", tiny_raw / "customers" / "customers.csv", "--as",
                 "customers")
    assert result.exit_code == BUG_EXIT
    assert "ValueError: unpacking went wrong" in result.output and "Traceback" in result.output
    assert _lines(result.output)[-1] == BUG_REPORT


def test_ingest_is_a_run_of_its_own(cli, settings, tiny_raw):
    assert cli("ingest", "customers", tiny_raw / "customers").exit_code == 0
    with warehouse.connect(settings, read_only=True) as con:
        runs = warehouse.rows(con, "select run_id, command, status from meta.runs")
        files = warehouse.rows(con, "select distinct run_id from meta.ingest_files")
    assert [(command, status) for _, command, status in runs] == [("ingest customers", "ok")]
    assert files == [(runs[0][0],)]


# --- a run with nothing new -------------------------------------------------------------------


def test_a_run_with_nothing_new_keeps_the_current_snapshot(cli, tiny_raw, settings):
    assert cli("run", "--raw", tiny_raw).exit_code == 0
    current = warehouse.current_snapshot(settings)
    published = sorted(settings.snapshots_dir.glob("snapshot-*.duckdb"))
    again = cli("run", "--raw", tiny_raw)
    assert again.exit_code == 0, again.output
    assert f"nothing new: snapshot {current.run_id} stays current" in again.output
    assert warehouse.current_snapshot(settings) == current
    assert sorted(settings.snapshots_dir.glob("snapshot-*.duckdb")) == published
    forced = cli("run", "--raw", tiny_raw, "--full")
    assert forced.exit_code == 0 and "stays current" not in forced.output
    assert warehouse.current_snapshot(settings).run_id != current.run_id


def _every_command(command, path=()):
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from _every_command(sub, (*path, name))


def test_no_help_text_is_eaten_by_rich_markup():
    """Typer renders help through rich, which takes ``[default: x]`` or ``[bold]`` as markup
    and drops it: "Model version [default: newest]." showed as "Model version ."."""
    import typer.main
    from rich.markup import render

    root = typer.main.get_command(app)
    eaten = [f"cxbridge {' '.join(path)} {param.name}: {param.help!r}"
             for path, command in _every_command(root)
             for param in command.params
             if getattr(param, "help", None) and render(param.help).plain != param.help]
    eaten += [f"cxbridge {' '.join(path)}: {command.help!r}"
              for path, command in _every_command(root)
              if command.help and render(command.help).plain != command.help]
    assert not eaten, "\n".join(eaten)


def test_generate_refuses_a_world_that_ingest_would_cut_short(cli, tmp_path):
    """A world running past now + [ingest] future_days would load only its first part (the
    later files quarantined as from the future); generate says so before writing anything."""
    result = cli("generate", "--scale", "0.001", "--days", "30", "--start", "2999-01-01",
                 "--out", tmp_path / "raw")
    assert result.exit_code == 1
    assert "after the latest day ingest accepts" in result.output
    assert "--start" in result.output and "future_days" in result.output
    assert not (tmp_path / "raw").exists()
