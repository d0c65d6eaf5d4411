"""The public entry point: configuration checks, progress, the report, and the output folder."""

from __future__ import annotations

import json
from datetime import date

import pytest

from cxbridge.lab.generate import GenerationReport, WorldConfig, generate_world
from cxbridge.lab.generate.writers import ExistingDataError

TINY = {"scale": 0.005, "days": 2, "seed": 1, "start": date(2026, 10, 1), "dirt_rate": 0.0}


@pytest.mark.parametrize("bad", [{"scale": 0}, {"days": 0}, {"dirt_rate": 0.5}, {"seed": -1}])
def test_invalid_configuration_is_refused_with_a_reason(bad):
    with pytest.raises(ValueError, match=next(iter(bad))):
        WorldConfig(**{**TINY, **bad})


def test_defaults_match_the_documented_world():
    config = WorldConfig()
    assert (config.scale, config.days, config.seed, config.start, config.dirt_rate) == (
        0.05, 30, 42, date(2026, 10, 1), 0.002)
    assert config.n_customers == 5000


def test_progress_is_reported_in_order_and_the_report_matches_the_manifest(tmp_path):
    steps: list[tuple[str, float]] = []
    report = generate_world(WorldConfig(**TINY), tmp_path / "raw",
                            progress=lambda step, done: steps.append((step, done)))
    fractions = [done for _, done in steps]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and steps[-1] == ("done", 1.0)
    assert any(step.startswith("day 2") for step, _ in steps)
    assert isinstance(report, GenerationReport) and report.seconds > 0
    manifest = json.loads((tmp_path / "raw" / "_truth" / "manifest.json").read_text())
    for field in ("customers", "services", "resources", "kpi_rows", "alarm_events",
                  "usage_rows", "tickets", "surveys", "incidents", "churned_customers"):
        assert manifest["entities"][field] == getattr(report, field), field
    world = json.loads((tmp_path / "raw" / "manifest.json").read_text())
    assert world["seed"] == 1 and world["days"] == 2 and world["generator"] == "cxbridge.generate"


def test_regenerating_replaces_only_what_the_generator_wrote(tmp_path):
    out = tmp_path / "raw"
    generate_world(WorldConfig(**{**TINY, "days": 3}), out)
    (out / "NOTES.txt").write_text("kept")
    generate_world(WorldConfig(**TINY), out)
    assert (out / "NOTES.txt").read_text() == "kept"
    assert len(list((out / "kpis" / "vendor_a").glob("A_PM_*.csv"))) == 2
    assert not (out / "usage" / "usage_20261003.parquet").exists()


def test_refuses_to_overwrite_feeds_it_did_not_write(tmp_path):
    out = tmp_path / "raw"
    (out / "kpis").mkdir(parents=True)
    real = out / "kpis" / "operator_feed.csv"
    real.write_text("a,b\n1,2\n")
    with pytest.raises(ExistingDataError, match="kpis"):
        generate_world(WorldConfig(**TINY), out)
    assert real.read_text() == "a,b\n1,2\n"
