"""How good a churn score is: pure functions of the 0/1 outcome ``y`` and the score ``p``.

* ``roc_auc``: probability a random churner is scored above a random stayer.
* ``pr_auc``: area under the precision-recall curve, as average precision (the step-wise sum
  of precision at each recall gain; no optimistic interpolation).
* ``brier``: mean squared error of the probability; lower is better, ``rate·(1−rate)`` is what
  predicting the base rate scores.
* ``calibration_table``: equal-width probability bins: mean predicted, observed rate, count.
* ``lift_table``: customers ranked by score and cut into deciles (decile 1 = riskiest tenth;
  ties keep input order): churn rate, lift over the base rate, cumulative gains and lift.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def _check(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, dtype=float).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"{len(y)} outcomes but {len(p)} scores")
    if len(y) == 0:
        raise ValueError("no rows to score")
    if not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("outcomes must be 0 or 1")
    if np.isnan(p).any():
        raise ValueError("scores contain NaN")
    return y, p


def _both_classes(y: np.ndarray) -> None:
    if y.min() == y.max():
        raise ValueError("ranking metrics need both churners and stayers among the rows")


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _check(y, p)
    _both_classes(y)
    return float(roc_auc_score(y, p))


def pr_auc(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _check(y, p)
    _both_classes(y)
    return float(average_precision_score(y, p))


def brier(y: np.ndarray, p: np.ndarray) -> float:
    y, p = _check(y, p)
    return float(np.mean((p - y) ** 2))


def calibration_table(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-width bins over [0, 1] (empty bins left out); the last bin includes 1.0."""
    y, p = _check(y, p)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, bins - 1)
    table = []
    for b in range(bins):
        members = index == b
        count = int(members.sum())
        if count:
            table.append({"lower": float(edges[b]), "upper": float(edges[b + 1]),
                          "mean_predicted": float(p[members].mean()),
                          "observed_rate": float(y[members].mean()), "count": count})
    return table


def lift_table(y: np.ndarray, p: np.ndarray, groups: int = 10) -> list[dict]:
    """Lift and cumulative gains per score group (decile by default), riskiest first."""
    y, p = _check(y, p)
    if len(y) < groups:
        raise ValueError(f"{len(y)} rows cannot be cut into {groups} groups")
    base_rate = y.mean()
    if base_rate == 0:
        raise ValueError("lift needs at least one churner among the rows")
    order = np.argsort(-p, kind="stable")
    table, cumulative_rows, cumulative_positives = [], 0, 0.0
    for number, members in enumerate(np.array_split(y[order], groups), start=1):
        cumulative_rows += len(members)
        cumulative_positives += members.sum()
        table.append({"group": number, "count": len(members), "positives": int(members.sum()),
                      "rate": float(members.mean()), "lift": float(members.mean() / base_rate),
                      "cumulative_gain": float(cumulative_positives / y.sum()),
                      "cumulative_lift": float(cumulative_positives / cumulative_rows
                                               / base_rate)})
    return table


def lift_top_decile(y: np.ndarray, p: np.ndarray) -> float:
    """Churn rate among the riskiest tenth divided by the overall churn rate."""
    return lift_table(y, p, 10)[0]["lift"]


def summary(y: np.ndarray, p: np.ndarray) -> dict[str, float]:
    """The headline figures: ROC AUC, PR AUC, Brier, top-decile lift, rows, positive rate."""
    y, p = _check(y, p)
    return {"roc_auc": roc_auc(y, p), "pr_auc": pr_auc(y, p), "brier": brier(y, p),
            "lift_top_decile": lift_top_decile(y, p), "rows": len(y),
            "positive_rate": float(y.mean())}
