"""The churn folds: stratified, every row tested once, groups never split (models/churn/splits)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxbridge.models.churn.splits import stratified_splits


def _check_partition(splits, rows: int) -> None:
    tested = np.concatenate([test for _, test in splits])
    assert np.array_equal(np.sort(tested), np.arange(rows))       # each row tested once
    for train, test in splits:
        assert np.intersect1d(train, test).size == 0
        assert train.size + test.size == rows


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_groups_stay_whole_and_every_row_is_tested_once(data) -> None:
    groups_n = data.draw(st.integers(9, 60))
    sizes = data.draw(st.lists(st.integers(1, 4), min_size=groups_n, max_size=groups_n))
    groups = np.repeat(np.arange(groups_n) * 7 + 3, sizes)         # ids need not be 0..n
    y = np.array(data.draw(st.lists(st.integers(0, 1), min_size=len(groups),
                                    max_size=len(groups))))
    splits = stratified_splits(y, 3, seed=data.draw(st.integers(0, 5)), groups=groups)
    _check_partition(splits, len(y))
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])


def test_folds_are_stratified_by_the_groups_label() -> None:
    rng = np.random.default_rng(1)
    groups = np.repeat(rng.permutation(3000), rng.integers(1, 4, 3000))
    leaver = rng.random(3000) < 0.08                              # one label per customer
    y = leaver[groups].astype(int)
    splits = stratified_splits(y, 3, seed=0, groups=groups)
    _check_partition(splits, len(y))
    positives = [len(np.unique(groups[test][y[test] == 1])) for _, test in splits]
    assert max(positives) - min(positives) <= 1                   # leavers split evenly
    assert all(abs(y[test].mean() - y.mean()) < 0.02 for _, test in splits)


def test_a_group_with_mixed_labels_counts_as_its_highest() -> None:
    # ten customers leave in their second snapshot only: they must spread over the folds
    groups = np.repeat(np.arange(30), 2)
    y = np.zeros(60, dtype=int)
    y[1:20:2] = 1
    splits = stratified_splits(y, 2, seed=0, groups=groups)
    assert sorted(int(y[test].sum()) for _, test in splits) == [5, 5]


def test_without_groups_rows_are_stratified() -> None:
    y = np.array([0] * 90 + [1] * 30)
    splits = stratified_splits(y, 3, seed=4)
    _check_partition(splits, 120)
    assert [int(y[test].sum()) for _, test in splits] == [10, 10, 10]


def test_string_labels_and_ids() -> None:
    y = np.array(["stay", "leave", "stay", "stay", "leave", "stay"] * 5)
    groups = np.array([f"C{i // 2}" for i in range(30)])
    splits = stratified_splits(y, 3, seed=0, groups=groups)
    _check_partition(splits, 30)
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])


def test_group_values_must_match_the_rows() -> None:
    with pytest.raises(ValueError, match="2 group values for 3 rows"):
        stratified_splits(np.array([0, 1, 0]), 2, seed=0, groups=np.array([1, 2]))
