"""Churn for the warehouse's customers, end to end on a small simulated population.

Train → versioned artefact and card with a temporal holdout; score → ``marts.churn_scores``
and ``marts.churn_drivers``; ``refresh`` as the pipeline calls it; ``evaluate_churn`` against
the simulated truth; the command line; and the clear refusal when history is too short.
"""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.lab.churn_evaluation import evaluate_churn
from cxbridge.models.churn.card import versions
from cxbridge.models.churn.features import (
    Schedule,
    feature_norms,
    features,
    history,
    unusual,
)
from cxbridge.models.churn.world import (
    HIGH_FROM,
    MATERIAL,
    MEDIUM_FROM,
    MODEL_NAME,
    refresh,
    sample_customers,
    score,
    train,
    worded_reasons,
)
from cxbridge.platform import warehouse
from cxbridge.platform.settings import load_settings
from tests.models.churn_world import START, simulated_world, write_tables

CUSTOMERS = 800


@pytest.fixture(scope="module")
def world():
    return simulated_world(customers=CUSTOMERS, days=100)


@pytest.fixture(scope="module")
def home(tmp_path_factory, world):
    """A warehouse holding the simulated world, a trained model, and its scores."""
    home = tmp_path_factory.mktemp("churn-world")
    settings = _settings(home)
    with warehouse.connect(settings) as con:
        write_tables(con, world.tables)
        trained = train(con, settings.models_dir)
        scored = score(con, trained.model, trained.card, "run-1")
    truth = home / "truth"
    truth.mkdir()
    world.churn.write_csv(truth / "churn.csv")
    return {"home": home, "settings": settings, "trained": trained, "scored": scored}


def _settings(home):
    return load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})


def _table(settings, sql):
    with warehouse.connect(settings, read_only=True) as con:
        return warehouse.query(con, sql)


def test_training_saves_a_versioned_model_with_a_temporal_holdout(home):
    trained = home["trained"]
    assert trained.path.parent.name == MODEL_NAME
    assert (trained.path / "model.joblib").is_file()
    card = json.loads((trained.path / "card.json").read_text())
    window = card["data_window"]
    # 100 days from 2026-10-01: the newest labelled snapshot is day 70, the one before day 40
    assert window["snapshots"] == ["2026-11-10", "2026-12-10"]
    holdout = card["metrics"]["temporal_holdout"]
    assert holdout["train_snapshots"] == ["2026-11-10"] and holdout["test_snapshot"] == \
        "2026-12-10"
    assert holdout["roc_auc"] > 0.65          # chronic poor experience drives churn here
    network = {f["name"] for f in card["features"] if f["network"]}
    assert {"poor_days", "own_outages", "network_tickets"} <= network
    assert "contract_type" not in network


def test_scores_one_row_per_customer_in_service(home, world):
    scores = _table(home["settings"], "select * from marts.churn_scores")
    first_unseen = START + timedelta(days=world.days)
    in_service = world.churn.filter(pl.col("churn_date") >= first_unseen).height + (
        CUSTOMERS - world.churn.height)
    assert scores.height == in_service == home["scored"].customers
    assert scores.get_column("customer_id").n_unique() == scores.height
    assert set(scores.get_column("scored_at_date").to_list()) == {first_unseen}
    p = scores.get_column("churn_probability").to_numpy()
    assert ((p >= 0) & (p <= 1)).all()
    expected_band = np.where(p >= HIGH_FROM, "high", np.where(p >= MEDIUM_FROM, "medium", "low"))
    assert (scores.get_column("risk_band").to_numpy() == expected_band).all()
    assert np.allclose(scores.get_column("revenue_at_risk_eur").to_numpy(),
                       p * scores.get_column("monthly_revenue_eur").to_numpy())
    assert set(scores.get_column("model_version")) == {home["trained"].card["model_version"]}
    assert set(scores.get_column("run_id")) == {"run-1"}


def test_chronically_poor_customers_rank_high_with_network_reasons(home, world):
    scores = _table(home["settings"], "select * from marts.churn_scores").with_columns(
        chronic=pl.col("customer_id").is_in(sorted(world.chronic)))
    by_group = dict(scores.group_by("chronic").agg(pl.col("churn_probability").mean())
                    .iter_rows())
    assert by_group[True] > 3 * by_group[False]
    risky = scores.filter(pl.col("chronic")).sort("churn_probability", descending=True).head(10)
    assert risky.get_column("network_reason").all()
    assert risky.get_column("reason_1").str.contains("poor-experience|complaint|outage|"
                                                     "experience index").any()
    reasons = pl.concat([scores.get_column(f"reason_{r}") for r in (1, 2, 3)]).drop_nulls()
    assert reasons.str.contains(r"\{").sum() == 0          # every template filled in
    # a customer's three reasons never repeat one another
    for row in scores.select("reason_1", "reason_2", "reason_3").iter_rows():
        said = [r for r in row if r]
        assert len(said) == len(set(said))


def test_drivers_count_top_reasons_per_segment_and_band(home):
    drivers = _table(home["settings"], "select * from marts.churn_drivers")
    scores = _table(home["settings"], "select * from marts.churn_scores")
    overall = drivers.filter(pl.col("segment") == "all", pl.col("risk_band") == "all")
    assert set(overall.get_column("customers")) == {scores.height}
    # every reason written is one feature's: the counts add up to the reasons in the scores
    written = sum(scores.get_column(f"reason_{r}").is_not_null().sum() for r in (1, 2, 3))
    assert overall.get_column("customers_with_reason").sum() == written
    network = overall.filter("network").get_column("customers_with_reason").sum()
    assert network >= scores.get_column("network_reason").sum() > 0
    assert (overall.get_column("share") <= 1).all()
    high = drivers.filter(pl.col("segment") == "consumer", pl.col("risk_band") == "high")
    assert set(high.get_column("customers")) == {
        scores.filter(pl.col("risk_band") == "high").height}


def test_evaluation_against_the_truth(home):
    with warehouse.connect(home["settings"], read_only=True) as con:
        report = evaluate_churn(con, home["home"] / "truth")
    assert report["test_snapshot"] == "2026-12-10" and report["label_agreement"] == 1.0
    assert report["roc_auc"] > 0.65 and report["brier"] < report["brier_base_rate"]
    assert report["network_reason_top3_rate"] >= 0.7
    assert sum(b["count"] for b in report["calibration"]) == report["rows"]
    by_cause = report["network_reason_top3_rate_by_cause"]
    assert set(by_cause) == {"contract", "poor_experience"}
    assert sum(c["churners"] for c in by_cause.values()) == report["true_churners"]
    assert by_cause["contract"]["rate"] == report["network_reason_top3_rate_other_churners"]
    assert report["network_reason_top3_rate_commercial_churners"] == by_cause["contract"]["rate"]


def test_reasons_are_material_and_numbers_unusual_for_the_customer(home, world):
    model, card = home["trained"].model, home["trained"].card
    window = card["data_window"]
    assert "Only 2 labelled period(s) of 30 days" in card["notes"]   # days 40 and 70
    with warehouse.connect(home["settings"], read_only=True) as con:
        frame = features(con, [history(con).scoring_date], Schedule())
    norms = feature_norms(frame, model.spec)           # every customer scored that day
    assert set(norms) == set(model.spec.of_kind("numeric"))
    assert all(low <= typical <= high for low, typical, high in norms.values())
    risky = frame.filter(pl.col("customer_id").is_in(sorted(world.chronic)))
    kept = worded_reasons(model, risky, Schedule(), ranges=window["feature_ranges"],
                          norms=norms)
    assert kept.height and kept.get_column("network").any()
    assert (kept.get_column("contribution") >= MATERIAL * model.positive_rate).all()
    rows = {r["customer_id"]: r for r in risky.iter_rows(named=True)}
    numeric = set(model.spec.of_kind("numeric"))
    for customer, feature in kept.select("customer_id", "feature").iter_rows():
        if feature in numeric:
            assert unusual(feature, rows[customer][feature], norms[feature])
    # were every number typical for everybody, only categories could be reasons
    nothing_unusual = {name: [float("-inf"), low, float("inf")]
                       for name, (low, _, _) in norms.items()}
    left = worded_reasons(model, risky, Schedule(), ranges=window["feature_ranges"],
                          norms=nothing_unusual)
    assert not set(left.get_column("feature")) & numeric


def test_refresh_scores_with_the_newest_model_and_keeps_one_row_per_customer(home):
    settings = home["settings"]
    saved = versions(settings.models_dir, MODEL_NAME)
    with warehouse.connect(settings) as con:
        outcome = refresh(con, settings.models_dir, "run-2")
        after = warehouse.query(con, "select run_id, count(*) n, count(distinct customer_id) d "
                                     "from marts.churn_scores group by run_id")
    assert outcome["status"] == "scored" and outcome["trained"] is False
    assert outcome["model_version"] == saved[-1]
    assert after.rows() == [("run-2", home["scored"].customers, home["scored"].customers)]
    assert versions(settings.models_dir, MODEL_NAME) == saved


def test_refresh_trains_when_no_model_exists_and_skips_on_short_history(tmp_path, world):
    settings = _settings(tmp_path)
    short = {name: (frame.filter(pl.col("date") < START + timedelta(days=45))
                    if "date" in frame.columns else frame)
             for name, frame in world.tables.items()}
    with warehouse.connect(settings) as con:
        write_tables(con, short)
        outcome = refresh(con, settings.models_dir, "run-x")
        assert not warehouse.table_exists(con, "marts.churn_scores")
        assert history(con).days == 45
    assert outcome["status"] == "skipped"
    assert "holds 45 days" in outcome["reason"] and "at least 60" in outcome["reason"]
    assert versions(settings.models_dir, MODEL_NAME) == []
    with warehouse.connect(settings) as con:
        write_tables(con, world.tables)
        trained = refresh(con, settings.models_dir, "run-y",
                          schedule=Schedule(interval_days=45))
    assert trained["status"] == "scored" and trained["trained"] is True
    assert len(versions(settings.models_dir, MODEL_NAME)) == 1


def test_command_line_train_and_score(home, tmp_path):
    env = {"CXBRIDGE_HOME": str(home["home"]), "CXBRIDGE_CONFIG": ""}
    runner = CliRunner()
    trained = runner.invoke(app, ["churn", "train", "--no-score", "--json"], env=env)
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.output)["temporal_holdout"]["test_snapshot"] == "2026-12-10"
    scored = runner.invoke(app, ["churn", "score", "--limit", "3"], env=env,
                           terminal_width=200)
    assert scored.exit_code == 0, scored.output
    assert "Most revenue at risk" in scored.output and "marts.churn_scores" in scored.output
    empty = {"CXBRIDGE_HOME": str(tmp_path), "CXBRIDGE_CONFIG": ""}
    refused = runner.invoke(app, ["churn", "score"], env=empty)
    assert refused.exit_code == 1 and "train" in refused.output


def test_evaluation_without_churn_truth_is_skipped_with_the_reason(home, tmp_path):
    with warehouse.connect(home["settings"], read_only=True) as con:
        report = evaluate_churn(con, tmp_path)
    assert list(report) == ["skipped"] and "churn.csv" in report["skipped"]


def test_the_churn_commands_are_runs_whose_id_the_scores_carry(home):
    env = {"CXBRIDGE_HOME": str(home["home"]), "CXBRIDGE_CONFIG": ""}
    scored = CliRunner().invoke(app, ["churn", "score", "--json"], env=env)
    assert scored.exit_code == 0, scored.output
    run_id = json.loads(scored.output)["run_id"]
    runs = _table(home["settings"], "select run_id, command, status from meta.runs")
    assert (run_id, "churn score", "ok") in runs.rows()
    carried = _table(home["settings"], "select distinct run_id from marts.churn_scores "
                                       "union select distinct run_id from marts.churn_drivers")
    assert carried.rows() == [(run_id,)]


def test_other_churners_split_by_the_networks_share_of_their_decision():
    """A contract churner the network hardly touched should get no network reason; one it
    weighed on may: the truth's network_share splits them (a truth without it: no split)."""
    from cxbridge.lab.churn_evaluation import _by_network_share

    flagged = pl.DataFrame({
        "main_cause": ["contract", "contract", "contract", "price", "outage"],
        "network_caused": [False, False, False, False, True],
        "network_share": [0.02, 0.05, 0.4, 0.3, 0.7],
        "network": [False, True, True, False, True]})
    split = _by_network_share(flagged)
    assert split["network_reason_top3_rate_other_churners_network_share_small"] == 0.5
    assert split["network_reason_top3_rate_other_churners_network_share_large"] == 0.5
    assert split["other_churners_by_network_share"] == {"< 0.1": 2, ">= 0.25": 2, "all": 4}
    assert _by_network_share(flagged.with_columns(network_share=None)) == {}


def test_a_large_history_is_sampled_by_whole_customers_within_the_bound():
    # 1,000 customers with 1 to 4 snapshots each (2,500 rows)
    frame = pl.DataFrame({"customer_id": [f"C{i:04d}" for i in range(1000)
                                          for _ in range(1 + i % 4)]}).with_row_index("row")
    same, rows = sample_customers(frame, 2_500, seed=3)
    assert rows == 2_500 and same.equals(frame)
    kept, rows = sample_customers(frame, 1_000, seed=3)
    assert rows == 2_500 and 990 <= kept.height <= 1_000
    per_customer = dict(frame.group_by("customer_id").len().iter_rows())
    assert all(n == per_customer[c] for c, n in kept.group_by("customer_id").len().iter_rows())
    assert kept["row"].is_sorted()  # the frame's own order
    assert kept.equals(sample_customers(frame, 1_000, seed=3)[0])
    assert not kept.equals(sample_customers(frame, 1_000, seed=4)[0])
