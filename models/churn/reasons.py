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

import numpy as np
import polars as pl

from cxbridge.models.churn.tabular import Feature, FeatureSpec

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
                  spec: FeatureSpec, background: Mapping[str, tuple[list, list[float]]]
                  ) -> np.ndarray:
    """rows × features: the probability minus its average over the feature's background.

    One batched prediction per feature (all rows × all its background values); a customer
    whose value is as risky as the average customer's gets 0, a riskier one a positive number.
    """
    base = predict(matrix)
    out = np.empty((matrix.height, len(spec.features)))
    for j, feature in enumerate(spec.features):
        dtype = matrix.schema[feature.name]
        values, weights = background[feature.name]
        swapped = pl.concat([matrix.with_columns(pl.lit(value, dtype=dtype).alias(feature.name))
                             for value in values])
        expected = np.asarray(weights) @ predict(swapped).reshape(len(values), matrix.height)
        out[:, j] = base - expected
    return out


def reason_codes(predict: Callable[[pl.DataFrame], np.ndarray], matrix: pl.DataFrame,
                 spec: FeatureSpec, background: Mapping[str, tuple[list, list[float]]],
                 typical: Mapping[str, object], *,
                 ids: pl.Series | None = None, k: int = 3,
                 min_contribution: float = MIN_CONTRIBUTION) -> pl.DataFrame:
    """One row per (customer, reason), best first; customers with no reason have no rows.

    Columns: the id (or ``row``), ``rank``, ``feature``, ``value``, ``reference``,
    ``contribution`` (probability points), ``network`` and ``reason`` (the sentence).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    effect = contributions(predict, matrix, spec, background)
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
