"""Agreement of the complaint categoriser with a person's labels: the measures on hand-worked
examples, the stratified sample's shape, and on the real Comcast export (``real_data``) the
held-out labels' figures, guarded against regressions (tests/data/complaints_labels.md)."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.lab.care_agreement import (
    LABELS_FILE,
    agreement,
    cohen_kappa,
    measure,
    stratified_sample,
)

# Measured on the held-out split when the rules were frozen (complaints_labels.md): accuracy
# 0.971, network precision 0.978, recall 1.000. A change to the rules that costs more than a
# small margin fails here.
FLOOR = {"accuracy": 0.93, "network_precision": 0.95, "network_recall": 0.95}


def test_kappa_worked_by_hand():
    # observed 0.75; both say "a" half the time, so chance agreement is 0.5: kappa 0.5
    truth = ["a", "a", "b", "b"]
    assert cohen_kappa(truth, ["a", "b", "b", "b"]) == pytest.approx((0.75 - 0.5) / 0.5)
    assert cohen_kappa(truth, truth) == 1.0
    assert cohen_kappa(["a", "a"], ["a", "a"]) == 1.0   # one label throughout
    assert cohen_kappa(truth, ["b", "b", "a", "a"]) == pytest.approx(-1.0)
    with pytest.raises(ValueError, match="2 labels but 1"):
        cohen_kappa(["a", "b"], ["a"])


def test_network_precision_and_recall_count_families_not_categories():
    truth = ["slow_speed", "no_service", "billing", "data_cap", "customer_service"]
    said = ["no_service", "no_service", "slow_speed", "data_cap", "unspecified"]
    result = agreement(truth, said)
    # network said 3 times, right twice (a wrong network category is still network)
    assert result.network_precision == pytest.approx(2 / 3)
    assert result.network_recall == 1.0
    assert result.accuracy == pytest.approx(2 / 5)
    assert result.family_accuracy == pytest.approx(3 / 5)


def _population() -> pl.DataFrame:
    channel = ["phone"] * 60 + ["web"] * 30 + ["web"] * 10
    month = ["04"] * 60 + ["04"] * 30 + ["05"] * 10
    return pl.DataFrame({"ticket_id": [f"T{i:03d}" for i in range(100)], "text": "x",
                         "channel": channel, "month": month})


def test_stratified_sample_is_proportional_reproducible_and_excludes():
    population = _population()
    sample = stratified_sample(population, 20, seed=3, strata=("channel", "month"))
    counts = dict(sample.group_by("channel", "month").len().select(
        pl.concat_str("channel", "month"), "len").iter_rows())
    assert counts == {"phone04": 12, "web04": 6, "web05": 2}
    assert sample.equals(stratified_sample(population, 20, seed=3,
                                           strata=("channel", "month")))
    assert not sample.equals(stratified_sample(population, 20, seed=4,
                                               strata=("channel", "month")))
    rest = stratified_sample(population, 20, seed=4, strata=("channel", "month"),
                             exclude=sample["ticket_id"].to_list())
    assert rest.height == 20
    assert set(rest["ticket_id"]).isdisjoint(sample["ticket_id"])


def test_the_labels_file_holds_ids_and_labels_only():
    labels = pl.read_csv(LABELS_FILE, comment_prefix="#", schema_overrides={
        "ticket_id": pl.String})
    assert labels.columns == ["ticket_id", "label", "split"]
    assert labels["ticket_id"].is_unique().all()
    counts = dict(labels.group_by("split").len().iter_rows())
    assert counts["test"] >= 200 and counts["dev"] >= 100


@pytest.mark.real_data
def test_held_out_agreement_stays_at_what_was_measured(real_data):
    export = real_data / "comcast_complaints" / "Comcast_telecom_complaints_data.csv"
    result = measure(LABELS_FILE, export, "test")
    assert result.n == 240
    assert result.accuracy >= FLOOR["accuracy"], result
    assert result.network_precision >= FLOOR["network_precision"], result
    assert result.network_recall >= FLOOR["network_recall"], result
    assert result.kappa >= 0.9, result
