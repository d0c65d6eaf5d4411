"""The any-table mode: ``cxbridge churn train/score/evaluate --data`` on binary and multi-class
labels, side tables, grouped reasons and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.models.churn.selection import fit_table, prepare_table
from cxbridge.models.churn.sides import apply_side, learn_side


def cli(home: Path, *args):
    return CliRunner().invoke(app, ["churn", *map(str, args)], terminal_width=200,
                              env={"CXBRIDGE_HOME": str(home)})


def customers(n: int, seed: int, start: int = 0) -> pl.DataFrame:
    """Churn from a short contract and many day minutes; day charge is the same quantity."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["monthly", "yearly", "two-year"], n, p=[0.5, 0.3, 0.2])
    minutes = rng.gamma(6, 30, n)
    state = rng.choice([f"S{i:02d}" for i in range(40)], n)
    outages = rng.poisson(0.5, n)
    logit = (-2.5 + 2.0 * (contract == "monthly") + 0.012 * (minutes - 180)
             + 0.8 * outages)
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pl.DataFrame({
        "customer": [f"C{i:05d}" for i in range(start, start + n)],
        "contract": contract, "day_minutes": minutes.round(1),
        "day_charge": (minutes * 0.17).round(2), "state": state,
        "outages": outages, "noise": rng.normal(size=n).round(3),
        "churn": np.where(churned, "yes", "no"),
    })


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained from the command line on one file (fast: no nested CV, no bootstraps)."""
    folder = tmp_path_factory.mktemp("anytable")
    data = folder / "train.csv"
    customers(400, seed=1).write_csv(data)
    result = cli(folder / "home", "train", "--data", data, "--label", "churn", "--positive",
                 "yes", "--id", "customer", "--network", "outages", "--no-validate",
                 "--stability", "0", "--name", "demo", "--json")
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def test_train_on_one_file_and_score_another_keeps_every_row_in_order(trained):
    folder, card = trained
    assert card["model_kind"] in card["selection"]["candidates"]
    assert set(card["selection"]["candidates"]) == {"logistic", "gbm", "gbm_wide", "blend",
                                                    "blend_wide", "gbm_plain"}
    assert ["day_minutes", "day_charge"] in card["reason_groups"]
    assert "state" in card["no_reasons"]
    other = customers(150, seed=2, start=90000).drop("churn").sample(fraction=1.0, shuffle=True,
                                                                     seed=5)
    data, out = folder / "new.csv", folder / "scores.csv"
    other.write_csv(data)
    result = cli(folder / "home", "score", "--model", "demo", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    scores = pl.read_csv(out)
    assert scores["customer"].to_list() == other["customer"].to_list()
    assert {"probability", "risk_band", "reason_1", "reason_2", "reason_3",
            "network_reason"} <= set(scores.columns)
    assert scores["probability"].is_between(0, 1).all()
    assert set(scores["risk_band"]) <= {"high", "medium", "low"}
    # one reason per group of columns, never the 40-level state
    reasons = pl.concat([scores[c] for c in ("reason_1", "reason_2", "reason_3")]).drop_nulls()
    assert reasons.str.contains("day_minutes").any()
    assert not reasons.str.starts_with("day_charge").any()
    assert not reasons.str.starts_with("state").any()
    parquet = folder / "scores.parquet"
    again = cli(folder / "home", "score", "--model", "demo", "--data", data, "--out", parquet)
    assert again.exit_code == 0 and pl.read_parquet(parquet).height == 150


def test_grouped_reasons_and_network_flag_on_the_model(tmp_path):
    frame = customers(300, seed=3)
    prepared = prepare_table(frame, "churn", positive="yes", id_column="customer",
                             network=["outages"])
    model = fit_table(prepared, stability=1)
    assert ("day_minutes", "day_charge") in model.groups
    assert model.stability["refits"] == 1 and 0 <= model.stability["top3_overlap"] <= 1
    reasons = model.reasons(prepared.matrix, prepared.frame["customer"])
    features = set(reasons["feature"])
    assert "day_minutes + day_charge" in features and "day_charge" not in features
    assert "state" not in features and "noise" not in features
    assert model.quiet["noise"].startswith("no measurable effect")
    flagged = reasons.filter(pl.col("feature") == "outages")["network"]
    assert flagged.len() > 0 and flagged.all()


def severity_tables(folder: Path, n: int, seed: int) -> tuple[Path, Path, Path]:
    """Incidents with an ordinal severity driven by events in a side table and a volume."""
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
    site = rng.choice(["north", "south", "east"], n)
    events, logs = [], []
    severity = np.zeros(n, dtype=int)
    for i, incident in enumerate(ids):
        kinds = rng.choice(["e1", "e2", "e3", "e4"], rng.integers(1, 4), p=[0.4, 0.3, 0.2, 0.1])
        volume = int(rng.integers(1, 20))
        events += [(int(incident), f"event {k}") for k in kinds]
        logs.append((int(incident), "feature 7", volume))
        score = 1.5 * ("e4" in kinds) + 0.8 * ("e3" in kinds) + 0.08 * volume
        severity[i] = int(np.digitize(score + rng.normal(0, 0.4), [0.9, 1.8]))
    main = folder / "incidents.csv"
    pl.DataFrame({"id": ids, "site": site, "severity": severity}).write_csv(main)
    event_file, log_file = folder / "events.csv", folder / "logs.csv"
    pl.DataFrame(events, schema=["id", "event_type"], orient="row").write_csv(event_file)
    pl.DataFrame(logs, schema=["id", "log_feature", "volume"], orient="row").write_csv(log_file)
    return main, event_file, log_file


def test_multiclass_severity_evaluated_beside_the_baseline(tmp_path):
    main, events, logs = severity_tables(tmp_path, 300, seed=4)
    sides = ["--side", f"id={events}", "--side", f"id={logs}"]
    result = cli(tmp_path / "home", "evaluate", "--data", main, "--label", "severity", "--id",
                 "id", *sides, "--folds", "2", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["target"]["ordinal"] and report["target"]["classes"] == ["0", "1", "2"]
    for name in ("selected", "baseline"):
        assert {"log_loss", "accuracy"} <= set(report["models"][name])
    assert report["models"]["selected"]["accuracy"] > 0.55
    assert any(r["feature"].startswith("events__") for r in report["reasons"])


def test_multiclass_severity_trained_and_scored_with_side_tables(tmp_path):
    main, events, logs = severity_tables(tmp_path, 300, seed=4)
    sides = ["--side", f"id={events}", "--side", f"id={logs}"]
    trained = cli(tmp_path / "home", "train", "--data", main, "--label", "severity", "--id",
                  "id", *sides, "--no-validate", "--stability", "0", "--json")
    assert trained.exit_code == 0, trained.output
    path = json.loads(trained.stdout)["path"]
    out = tmp_path / "severity.csv"
    scored = cli(tmp_path / "home", "score", "--model", path, "--data", main, *sides,
                 "--out", out)
    assert scored.exit_code == 0, scored.output
    scores = pl.read_csv(out)
    assert scores.height == 300 and scores["id"].to_list() == list(range(1, 301))
    assert {"p_0", "p_1", "p_2", "predicted", "expected", "risk_band"} <= set(scores.columns)
    total = scores["p_0"] + scores["p_1"] + scores["p_2"]
    assert ((total - 1).abs() < 1e-6).all()
    missing_side = cli(tmp_path / "home", "score", "--model", path, "--data", main,
                       "--side", f"id={events}")
    assert missing_side.exit_code == 1 and "side table 'logs' is missing" in missing_side.output


def test_side_tables_aggregate_per_id():
    main = pl.DataFrame({"id": ["1", "2", "3"], "x": ["a", "b", "c"]})
    side = pl.DataFrame({"id": ["1", "1", "2"] * 4, "kind": ["k1", "k2", "k1"] * 4,
                         "volume": ["5", "1", "2"] * 4})
    spec = learn_side(side.vstack(pl.DataFrame({"id": [str(i) for i in range(10, 30)],
                                                "kind": ["k1"] * 20, "volume": ["1"] * 20})),
                      "id", "log")
    assert spec.levels == {"kind": ("k1",)} and spec.numbers == ("volume",)
    joined = apply_side(main, side, spec)
    assert joined.columns[:2] == ["id", "x"] and joined["id"].to_list() == ["1", "2", "3"]
    assert joined["log__rows"].to_list() == [8, 4, 0]
    assert joined["log__kind=k1"].to_list() == [4, 4, 0]
    assert joined["log__kind=__other"].to_list() == [4, 0, 0]
    assert joined["log__volume@k1"].to_list() == [20.0, 8.0, 0.0]
    assert joined["log__volume__sum"].to_list() == [24.0, 8.0, 0.0]


@pytest.mark.parametrize(("table", "args", "message"), [
    ({"customer": ["a", "b", "c"] * 30, "x": list(range(90)), "churn": ["no"] * 90},
     ("--positive", "no"), "has a single value ('no')"),
    ({"customer": [f"c{i}" for i in range(89)] + ["c1"], "x": list(range(90)),
      "churn": ["no", "yes"] * 45}, ("--positive", "yes"), "repeats in the training table"),
    ({"customer": [f"c{i}" for i in range(90)], "x": list(range(90)),
      "churn": ["no", "yes", ""] * 30}, ("--positive", "yes"), "blank on 30 of 90 row(s)"),
    ({"customer": [f"c{i}" for i in range(90)], "x": [1] * 90, "churn": ["no", "yes"] * 45},
     ("--positive", "yes"), "no usable feature columns"),
    ({"customer": [f"c{i}" for i in range(90)], "x": list(range(90)),
      "churn": ["no", "yes"] * 45}, ("--positive", "yes", "--side", "account=SIDE"),
     "no key column 'account'"),
])
def test_bad_training_input_is_one_line_and_exit_2(tmp_path, table, args, message):
    data, side = tmp_path / "t.csv", tmp_path / "side.csv"
    pl.DataFrame(table).write_csv(data)
    pl.DataFrame({"customer": ["c1"], "v": [1]}).write_csv(side)
    args = tuple(f"account={side}" if a == "account=SIDE" else a for a in args)
    result = cli(tmp_path / "home", "train", "--data", data, "--label", "churn", "--id",
                 "customer", *args, "--no-validate", "--stability", "0")
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_scoring_refuses_repeated_ids(trained, tmp_path):
    folder, _ = trained
    frame = customers(20, seed=9).drop("churn")
    data = tmp_path / "dup.csv"
    pl.concat([frame, frame.head(2)]).write_csv(data)
    result = cli(folder / "home", "score", "--model", "demo", "--data", data)
    assert result.exit_code == 1
    assert "repeats in the table to score" in result.output and "Traceback" not in result.output
    absent = cli(folder / "home", "score", "--model", "nothing-here", "--data", data)
    assert absent.exit_code == 1 and "no saved model at nothing-here" in absent.output


def test_time_split_evaluation(tmp_path):
    frame = customers(400, seed=6).with_columns(
        pl.Series("month", [f"2026-{1 + i % 10:02d}-01" for i in range(400)]))
    data = tmp_path / "t.csv"
    frame.write_csv(data)
    result = cli(tmp_path / "home", "evaluate", "--data", data, "--label", "churn",
                 "--positive", "yes", "--id", "customer", "--time", "month", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["validation"].startswith("time split on month")
    assert report["features"]["excluded"]["month"] == "excluded by caller"
    assert report["models"]["selected"]["roc_auc"] > 0.6


@pytest.mark.real_data
def test_ibm_telco_train_on_part_score_the_rest(real_data, tmp_path):
    frame = pl.read_csv(real_data / "telco_ibm" / "Telco-Customer-Churn.csv",
                        infer_schema=False)
    first, rest = tmp_path / "first.csv", tmp_path / "rest.csv"
    frame.head(2500).write_csv(first)
    frame.slice(2500).drop("Churn").write_csv(rest)
    trained = cli(tmp_path / "home", "train", "--data", first, "--label", "Churn",
                  "--positive", "Yes", "--id", "customerID", "--no-validate", "--stability",
                  "0", "--json")
    assert trained.exit_code == 0, trained.output
    out = tmp_path / "scores.csv"
    scored = cli(tmp_path / "home", "score", "--model", json.loads(trained.stdout)["path"],
                 "--data", rest, "--out", out)
    assert scored.exit_code == 0, scored.output
    scores = pl.read_csv(out, infer_schema=False)
    assert scores["customerID"].to_list() == frame.slice(2500)["customerID"].to_list()
    assert scores["reason_1"].null_count() < scores.height / 2


def test_dates_written_as_text_are_left_out_and_ordinal_labels_recognised():
    from cxbridge.models.churn.tabular import encode_target, infer_feature_spec

    frame = pl.DataFrame({"signed": [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}" for i in range(60)],
                          "x": [str(i % 7) for i in range(60)],
                          "severity": ["0", "1", "2"] * 20})
    spec = infer_feature_spec(frame, label="severity")
    assert spec.names == ["x"] and spec.excluded["signed"].startswith("date/time")
    y, target = encode_target(frame, "severity")
    assert target.ordinal and not target.binary and target.classes == ("0", "1", "2")
    assert y.tolist()[:3] == [0, 1, 2]
