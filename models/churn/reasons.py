"""Reason codes: for each customer, the features that raise their churn risk the most.

Model-agnostic and vectorised. A feature's contribution for a customer is their probability
minus the average probability they would have if that feature alone took the values other
customers have (its "background": five quantiles of a number, or the frequency-weighted
commonest values of a category). So a month-to-month customer's ``Contract`` counts, even
though month-to-month is the commonest contract, because it is riskier than the average
contract. Each feature costs one batched prediction over all customers × its background
values. The quoted ``reference`` is the typical value: the median, or the commonest value.
The ``k`` largest positive contributions per customer become reasons, worded by the feature's
template (``{feature}``, ``{value}``, ``{reference}``) or a readable default, and flagged
``network`` when the feature is network-rooted (outages, poor-experience days) so the caller
can route the customer to service recovery rather than a price offer.

Contributions are one-at-a-time: they do not add up to the score, and two correlated features
can each look small when only their combination matters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

import numpy as np
import polars as pl

from cxbridge.models.churn.tabular import Feature, FeatureSpec


class Swapper(Protocol):
    """Predicts a fixed matrix as it is (``base``) and with one feature swapped."""

    def base(self) -> np.ndarray: ...

    def swapped(self, feature: str, values: list) -> np.ndarray: ...


MIN_CONTRIBUTION = 0.001  # a tenth of a percentage point
NUMERIC_POINTS = 5
MAX_LEVELS = 8
BLANK = "(blank)"


def typical_values(matrix: pl.DataFrame, spec: FeatureSpec) -> dict[str, object]:
    """Per feature, the value reasons quote as typical: the median, or the commonest value."""
    typical: dict[str, object] = {}
    for feature in spec.features:
        column = matrix.get_column(feature.name).drop_nulls()
        if not column.len():
            typical[feature.name] = None
        elif feature.kind == "numeric":
            typical[feature.name] = float(column.median())
        else:
            typical[feature.name] = column.mode().sort()[0]
    return typical


def background_values(matrix: pl.DataFrame, spec: FeatureSpec, *, points: int = NUMERIC_POINTS,
                      max_levels: int = MAX_LEVELS) -> dict[str, tuple[list, list[float]]]:
    """Per feature, values and weights standing in for its distribution among customers.

    Numbers: ``points`` evenly spaced quantiles, equal weights. Other features: their most
    common ``max_levels`` values (blank counts as a value), weighted by frequency.
    """
    out: dict[str, tuple[list, list[float]]] = {}
    for feature in spec.features:
        column = matrix.get_column(feature.name)
        if feature.kind == "numeric":
            known = column.drop_nulls().drop_nans().to_numpy()
            if not len(known):
                out[feature.name] = ([None], [1.0])
                continue
            grid = np.quantile(known, (np.arange(points) + 0.5) / points)
            out[feature.name] = ([float(v) for v in grid], [1.0 / points] * points)
        else:
            counts = column.value_counts(sort=True, name="n").head(max_levels)
            weights = counts.get_column("n").to_numpy().astype(float)
            out[feature.name] = (counts.get_column(feature.name).to_list(),
                                 list(weights / weights.sum()))
    return out


def contributions(predict: Callable[[pl.DataFrame], np.ndarray], matrix: pl.DataFrame,
                  spec: FeatureSpec, background: Mapping[str, tuple[list, list[float]]],
                  swap: Swapper | None = None) -> np.ndarray:
    """rows × features: the probability minus its average over the feature's background.

    One batched prediction per feature (all rows × all its background values); a customer
    whose value is as risky as the average customer's gets 0, a riskier one a positive number.
    ``swap``, when given, predicts the swapped rows without re-running the model's column
    transformer (:class:`cxbridge.models.churn.swapping.SwapPredictor`); the result is the same.
    """
    base = swap.base() if swap else predict(matrix)
    out = np.empty((matrix.height, len(spec.features)))
    for j, feature in enumerate(spec.features):
        values, weights = background[feature.name]
        if swap:
            predicted = swap.swapped(feature.name, values)
        else:
            dtype = matrix.schema[feature.name]
            swapped = pl.concat([matrix.with_columns(pl.lit(value, dtype=dtype)
                                                     .alias(feature.name)) for value in values])
            predicted = predict(swapped).reshape(len(values), matrix.height)
        out[:, j] = base - np.asarray(weights) @ predicted
    return out


def reason_codes(predict: Callable[[pl.DataFrame], np.ndarray], matrix: pl.DataFrame,
                 spec: FeatureSpec, background: Mapping[str, tuple[list, list[float]]],
                 typical: Mapping[str, object], *,
                 ids: pl.Series | None = None, k: int = 3,
                 min_contribution: float = MIN_CONTRIBUTION,
                 swap: Swapper | None = None) -> pl.DataFrame:
    """One row per (customer, reason), best first; customers with no reason have no rows.

    Columns: the id (or ``row``), ``rank``, ``feature``, ``value``, ``reference``,
    ``contribution`` (probability points), ``network`` and ``reason`` (the sentence).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    effect = contributions(predict, matrix, spec, background, swap)
    k = min(k, effect.shape[1])
    top = np.argsort(-effect, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(matrix.height), k)
    columns = top.ravel()
    size = effect[rows, columns]
    keep = size >= min_contribution
    rows, columns, size = rows[keep], columns[keep], size[keep]
    ranks = np.tile(np.arange(1, k + 1), matrix.height)[keep]
    raw = [matrix.get_column(f.name).to_list() for f in spec.features]
    values = [_display(spec.features[c], raw[c][r]) for r, c in zip(rows, columns, strict=True)]
    usual = [_display(spec.features[c], typical[spec.features[c].name]) for c in columns]
    features = [spec.features[c] for c in columns]
    key = ids.gather(rows) if ids is not None else pl.Series("row", rows, dtype=pl.Int64)
    return pl.DataFrame({
        key.name: key,
        "rank": pl.Series(ranks, dtype=pl.Int32),
        "feature": [f.name for f in features],
        "value": values,
        "reference": usual,
        "contribution": size,
        "network": [f.network for f in features],
        "reason": [sentence(f, v, t) for f, v, t in zip(features, values, usual, strict=True)],
    })


def sentence(feature: Feature, value: str, reference: str) -> str:
    """The feature's template filled in, or ``"<feature> = <value> raises risk"``."""
    if feature.template:
        return feature.template.format(feature=feature.name, value=value, reference=reference)
    if feature.kind == "numeric":
        return f"{feature.name} = {value} (typical: {reference}) raises risk"
    return f"{feature.name} = {value} raises risk"


def _display(feature: Feature, value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return BLANK
    if feature.kind == "binary" and value in (0, 1):
        return (feature.levels or ("0", "1"))[int(value)]
    if feature.kind != "categorical":
        number = float(value)
        return f"{number:,.0f}" if number.is_integer() else f"{number:,.2f}"
    return str(value)


# --- grouped reasons (the any-table models of cxbridge.models.churn.selection) -------------
#
# Columns that measure the same thing (day minutes and day charge; tenure and total charges)
# are one reason, not two: features whose association is at least GROUP_CORRELATION on the
# training rows form a group (rank correlation between numbers, Cramér's V between categories:
# phone service and multiple lines, whose "no phone service" level is the same fact), and a
# group's contribution swaps all its columns together, with values taken from the same
# training rows (so the background keeps the columns' relation). A categorical column with
# more than MAX_REASON_LEVELS levels (a state, a location) still feeds the model but never
# becomes a reason, and a value seen on fewer than the model's rare-level count of training
# rows is pooled by the model and is not quoted as a reason: both are where one-at-a-time
# reasons are noise.

GROUP_CORRELATION = 0.85
MAX_REASON_LEVELS = 15
GROUP_SAMPLE = 5000


def reason_groups(matrix: pl.DataFrame, spec: FeatureSpec,
                  threshold: float = GROUP_CORRELATION, seed: int = 0,
                  max_levels: int = MAX_REASON_LEVELS) -> list[tuple[str, ...]]:
    """Features in reason groups, in the spec's order: two features are in one group when
    their association is at least ``threshold``, measured as rank correlation between
    numbers, Cramér's V (bias-corrected) between categories, and the correlation ratio of a
    number's ranks over a category's levels between the two kinds. A category with more than
    ``max_levels`` levels never becomes a reason (:func:`quiet_features`), so it joins no
    group."""
    sample = matrix.select(spec.names)
    if sample.height > GROUP_SAMPLE:
        sample = sample.sample(GROUP_SAMPLE, seed=seed)
    parent = {name: name for name in spec.names}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    columns = _association_columns(sample, spec, max_levels)
    names = list(columns)
    for i in range(len(names)):
        for j in range(i + 1, len(names)):
            if _association(columns[names[i]], columns[names[j]]) >= threshold:
                a, b = root(names[i]), root(names[j])
                if a != b:
                    parent[max(a, b, key=spec.names.index)] = min(a, b, key=spec.names.index)
    groups: dict[str, list[str]] = {}
    for name in spec.names:
        groups.setdefault(root(name), []).append(name)
    return [tuple(members) for members in groups.values()]


def _association_columns(sample: pl.DataFrame, spec: FeatureSpec, max_levels: int
                         ) -> dict[str, tuple[str, np.ndarray]]:
    """Each feature that may join a group as ("rank", its ranks; missing values at the
    median) or ("levels", its level codes; missing is a level of its own)."""
    out: dict[str, tuple[str, np.ndarray]] = {}
    if sample.height <= 2:
        return out
    for feature in spec.features:
        column = sample.get_column(feature.name)
        if feature.kind == "categorical":
            text = column.cast(pl.String).fill_null("\x00missing")
            if text.n_unique() <= max_levels:
                out[feature.name] = ("levels", text.rank("dense").cast(pl.Int64).to_numpy() - 1)
        else:
            filled = column.fill_nan(None).fill_null(column.median())
            out[feature.name] = ("rank", filled.rank("average").cast(pl.Float64).to_numpy())
    return out


def _association(a: tuple[str, np.ndarray], b: tuple[str, np.ndarray]) -> float:
    """Strength of association (0..1) of two prepared columns (see
    :func:`_association_columns`)."""
    (kind_a, x), (kind_b, y) = a, b
    if kind_a == kind_b == "rank":
        if x.std() == 0 or y.std() == 0:
            return 0.0
        return float(abs(np.corrcoef(x, y)[0, 1]))
    if kind_a == kind_b == "levels":
        return _cramers_v(x, y)
    levels, ranks = (x, y) if kind_a == "levels" else (y, x)
    return _correlation_ratio(levels, ranks)


def _cramers_v(x: np.ndarray, y: np.ndarray) -> float:
    """Bias-corrected Cramér's V (Bergsma 2013) of two level-coded columns."""
    n = len(x)
    table = np.zeros((x.max() + 1, y.max() + 1))
    np.add.at(table, (x, y), 1)
    r, k = table.shape
    if r < 2 or k < 2:
        return 0.0
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    phi2 = float(((table - expected) ** 2 / expected).sum()) / n
    phi2 = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    r_c, k_c = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    scale = min(k_c - 1, r_c - 1)
    return float(np.sqrt(phi2 / scale)) if scale > 0 else 0.0


def _correlation_ratio(levels: np.ndarray, values: np.ndarray) -> float:
    """How much of ``values``' spread the levels explain (the correlation ratio, eta)."""
    total = float(((values - values.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    counts = np.bincount(levels)
    means = np.bincount(levels, weights=values) / np.maximum(counts, 1)
    between = float((counts * (means - values.mean()) ** 2).sum())
    return float(np.sqrt(between / total))


def quiet_features(matrix: pl.DataFrame, spec: FeatureSpec,
                   max_levels: int = MAX_REASON_LEVELS) -> dict[str, str]:
    """Features that never become reasons, with why (high-cardinality categories)."""
    out = {}
    for feature in spec.features:
        if feature.kind == "categorical":
            levels = matrix.get_column(feature.name).drop_nulls().n_unique()
            if levels > max_levels:
                out[feature.name] = (f"{levels} levels (more than {max_levels}): used by the "
                                     f"model, not quoted as a reason")
    return out


def frequent_levels(matrix: pl.DataFrame, spec: FeatureSpec, min_count: int
                    ) -> dict[str, list[str]]:
    """Per categorical feature, the levels seen on at least ``min_count`` training rows."""
    out = {}
    for name in spec.of_kind("categorical"):
        counts = matrix.get_column(name).drop_nulls().value_counts(name="n")
        out[name] = sorted(counts.filter(pl.col("n") >= min_count).get_column(name).to_list())
    return out


def group_backgrounds(matrix: pl.DataFrame, spec: FeatureSpec, groups: list[tuple[str, ...]],
                      points: int = NUMERIC_POINTS, max_levels: int = MAX_LEVELS
                      ) -> list[tuple[pl.DataFrame, list[float]]]:
    """Per group, background rows (values of its members) and their weights."""
    single = background_values(matrix, spec, points=points, max_levels=max_levels)
    out = []
    for members in groups:
        if len(members) == 1:
            values, weights = single[members[0]]
            dtype = matrix.schema[members[0]]
            out.append((pl.DataFrame({members[0]: pl.Series(values, dtype=dtype)}),
                        list(weights)))
            continue
        leader = members[0]
        if any(spec.feature(m).kind == "categorical" for m in members):
            out.append(_joint_background(matrix.select(members), spec, max_levels))
            continue
        known = matrix.select(members).filter(pl.col(leader).is_not_null()
                                              & pl.col(leader).is_not_nan()).sort(leader)
        if known.height == 0:
            out.append((matrix.select(members).head(1), [1.0]))
            continue
        at = np.floor((np.arange(points) + 0.5) / points * known.height).astype(int)
        out.append((known[np.minimum(at, known.height - 1)], [1.0 / points] * points))
    return out


def _joint_background(values: pl.DataFrame, spec: FeatureSpec, max_levels: int
                      ) -> tuple[pl.DataFrame, list[float]]:
    """A group with a category: its ``max_levels`` commonest combinations of the category
    levels, weighted by how often each is seen; a number in the group takes, for each
    combination, the value of the row at the median of the group's first number (the
    combination's typical row, so the background keeps the columns' relation)."""
    levels = [m for m in values.columns if spec.feature(m).kind == "categorical"]
    numbers = [m for m in values.columns if m not in levels]
    typical = [pl.col(n).sort_by(numbers[0]).get(pl.len() // 2) for n in numbers]
    combos = (values.group_by(levels, maintain_order=True).agg(pl.len().alias("__n"), *typical)
              .sort("__n", descending=True, maintain_order=True).head(max_levels))
    weights = combos.get_column("__n").cast(pl.Float64).to_numpy()
    return combos.select(values.columns), list(weights / weights.sum())


def group_contributions(predict: Callable[[pl.DataFrame], np.ndarray], matrix: pl.DataFrame,
                        groups: list[tuple[str, ...]],
                        backgrounds: list[tuple[pl.DataFrame, list[float]]]) -> np.ndarray:
    """rows × groups: the score minus its average with the group's columns swapped together.

    ``predict`` must return one number per row for any multiple of ``matrix``'s rows (it is
    called on stacked copies).
    """
    base = predict(matrix)
    out = np.empty((matrix.height, len(groups)))
    for j, (members, (rows, weights)) in enumerate(zip(groups, backgrounds, strict=True)):
        copies = [matrix.with_columns([pl.lit(rows[m][i], dtype=matrix.schema[m]).alias(m)
                                       for m in members]) for i in range(rows.height)]
        swapped = pl.concat(copies)
        expected = np.asarray(weights) @ predict(swapped).reshape(rows.height, matrix.height)
        out[:, j] = base - expected
    return out


def group_label(members: tuple[str, ...]) -> str:
    """``a``, ``a + b``, or ``a (+3 correlated)`` for a longer group."""
    if len(members) <= 2:
        return " + ".join(members)
    return f"{members[0]} (+{len(members) - 1} correlated)"


def _with(members: tuple[str, ...]) -> str:
    others = members[1:]
    if len(others) <= 2:
        return f" (with {', '.join(others)})"
    return f" (with {', '.join(others[:2])} and {len(others) - 2} more)"


def grouped_reason_codes(predict: Callable[[pl.DataFrame], np.ndarray], matrix: pl.DataFrame,
                         spec: FeatureSpec, groups: list[tuple[str, ...]],
                         backgrounds: list[tuple[pl.DataFrame, list[float]]],
                         typical: Mapping[str, object], *, ids: pl.Series | None = None,
                         k: int = 3, min_contribution: float = MIN_CONTRIBUTION,
                         quiet: Mapping[str, str] | None = None,
                         frequent: Mapping[str, list[str]] | None = None) -> pl.DataFrame:
    """Like :func:`reason_codes`, one reason per group; ``feature`` names the group
    (``a + b``), ``value`` / ``reference`` are its first column's. ``quiet`` features and
    values outside ``frequent`` (rare levels) are never reasons."""
    if k < 1:
        raise ValueError("k must be at least 1")
    quiet, frequent = dict(quiet or {}), dict(frequent or {})
    effect = group_contributions(predict, matrix, groups, backgrounds)
    for j, members in enumerate(groups):
        if all(m in quiet for m in members):
            effect[:, j] = -np.inf
        elif members[0] in frequent:
            values = matrix.get_column(members[0])
            rare = ~(values.is_in(frequent[members[0]]).fill_null(False)).to_numpy()
            effect[rare, j] = -np.inf
    k = min(k, effect.shape[1])
    top = np.argsort(-effect, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(matrix.height), k)
    columns = top.ravel()
    size = effect[rows, columns]
    keep = size >= min_contribution
    rows, columns, size = rows[keep], columns[keep], size[keep]
    ranks = np.tile(np.arange(1, k + 1), matrix.height)[keep]
    leaders = [spec.feature(g[0]) for g in groups]
    raw = {f.name: matrix.get_column(f.name).to_list() for f in leaders}
    values = [_display(leaders[c], raw[leaders[c].name][r])
              for r, c in zip(rows, columns, strict=True)]
    usual = [_display(leaders[c], typical[leaders[c].name]) for c in columns]
    network = [any(spec.feature(m).network for m in groups[c]) for c in columns]
    sentences = []
    for c, value, reference in zip(columns, values, usual, strict=True):
        text = sentence(leaders[c], value, reference)
        if len(groups[c]) > 1:
            text += _with(groups[c])
        sentences.append(text)
    key = ids.gather(rows) if ids is not None else pl.Series("row", rows, dtype=pl.Int64)
    return pl.DataFrame({
        key.name: key, "rank": pl.Series(ranks, dtype=pl.Int32),
        "feature": [group_label(groups[c]) for c in columns], "value": values,
        "reference": usual, "contribution": size, "network": network, "reason": sentences,
    })


def reason_ranking(reasons: pl.DataFrame, rows: int) -> list[dict]:
    """Which reasons come up overall: share of rows with it in their top k, share as the first
    reason, mean contribution; most frequent first."""
    if reasons.height == 0:
        return []
    table = (reasons.group_by("feature")
             .agg(pl.len().alias("rows"), (pl.col("rank") == 1).sum().alias("first"),
                  pl.col("contribution").mean().alias("mean_contribution"),
                  pl.col("network").any().alias("network"))
             .sort(["rows", "feature"], descending=[True, False]))
    return [{"feature": r["feature"], "share_top_k": r["rows"] / rows,
             "share_first": r["first"] / rows, "mean_contribution": r["mean_contribution"],
             "network": r["network"]} for r in table.iter_rows(named=True)]


def top_sets(reasons: pl.DataFrame, key: str, ids: list) -> list[frozenset[str]]:
    """Each id's set of reason features (empty when it has none), in ``ids``' order."""
    found: dict = {}
    for row_id, feature in zip(reasons.get_column(key).to_list(),
                               reasons.get_column("feature").to_list(), strict=True):
        found.setdefault(row_id, set()).add(feature)
    return [frozenset(found.get(i, ())) for i in ids]


def overlap(a: list[frozenset[str]], b: list[frozenset[str]]) -> float:
    """Mean share of reasons two explanations of the same rows agree on (1 when both empty)."""
    shares = [len(x & y) / max(len(x), len(y)) if (x or y) else 1.0
              for x, y in zip(a, b, strict=True)]
    return float(np.mean(shares)) if shares else float("nan")
