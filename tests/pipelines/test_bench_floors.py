"""The bench's two ingest floors read the same files; the read-and-store floor leaves nothing."""

from __future__ import annotations

from pathlib import Path

from cxbridge.lab import bench


def _raw(home: Path) -> None:
    (home / "raw" / "customers").mkdir(parents=True)
    (home / "raw" / "customers" / "customers.csv").write_text(
        "customer_id,name,segment\n" + "".join(f"C{i},Name {i},consumer\n" for i in range(40)),
        encoding="utf-8")
    (home / "raw" / "tickets").mkdir()
    for day in (1, 2):
        (home / "raw" / "tickets" / f"tickets_2026100{day}.csv").write_text(
            "ticket_id,customer_id,opened_at\n" + "".join(
                f"T{day}-{i},C{i},2026-10-0{day}T10:00:00Z\n" for i in range(25)),
            encoding="utf-8")


def test_both_floors_count_every_row_and_the_store_floor_removes_its_database(tmp_path):
    _raw(tmp_path)
    assert bench._ingest_floor(str(tmp_path)) == 40 + 2 * 25
    assert bench._ingest_store_floor(str(tmp_path)) == 40 + 2 * 25
    left = [p.name for p in (tmp_path / "warehouse").iterdir()]
    assert not [name for name in left if name.startswith("store-floor")]


def test_a_failing_stage_is_reported_and_keeps_the_figures_of_the_stages_before_it(
        monkeypatch, tmp_path):
    """At scale 10 the incident stage filled the disk: the report names the stage and its
    error, keeps what ran before, and runs nothing that needs its output; the command line
    says so and exits 1."""
    ran: list[str] = []

    def stage(function, *args):
        ran.append(function.__name__)
        if function is bench._incidents:
            raise OSError("Could not write file …: No space left on device")
        return {"seconds": 2.0, "rows": 10, "rows_per_second": 5.0, "peak_rss_mb": 100.0}

    monkeypatch.setattr(bench, "_in_fresh_process", stage)
    monkeypatch.setattr(bench, "_hold_back_last_day", lambda home, last_day: 0)
    report = bench.run_benchmark(0.01, keep_dir=tmp_path)
    assert report["failed_stage"] == "incidents"
    assert ran[-1] == "_incidents" and "_publish" not in ran
    assert list(report["stages"])[-2:] == ["churn", "incidents"]
    assert "No space left on device" in report["stages"]["incidents"]["error"]
    assert report["ingest"]["ratio_to_store_floor"] == 1.0

    from typer.testing import CliRunner

    from cxbridge.app.cli import app
    monkeypatch.setattr(bench, "run_benchmark", lambda **kwargs: report)
    shown = CliRunner().invoke(app, ["bench"], env={"COLUMNS": "200"})
    assert shown.exit_code == 1
    assert "Stage incidents failed" in shown.output and "No space left" in shown.output


def test_a_stage_counts_the_cpu_seconds_of_its_children_too():
    """The ingest parses the service inventory in a child process: its CPU seconds count, so
    that the ingest can be compared with the floor in CPU seconds as well as on the clock."""
    import subprocess
    import sys

    def stage() -> int:
        subprocess.run([sys.executable, "-c", "import time\nt = time.process_time()\n"
                        "while time.process_time() - t < 0.4: pass"], check=True)
        return 1

    figures = bench._timed(stage)
    assert figures["cpu_seconds"] >= 0.4 and figures["rows"] == 1
    summary = bench._ingest_summary({
        "ingest": {"seconds": 30.0, "cpu_seconds": 45.0, "rows": 5},
        "ingest_floor": {"seconds": 5.0, "rows": 5},
        "ingest_store_floor": {"seconds": 20.0, "cpu_seconds": 36.0, "rows": 5}})
    assert (summary["ratio_to_store_floor"], summary["cpu_ratio_to_store_floor"]) == (1.5, 1.25)
