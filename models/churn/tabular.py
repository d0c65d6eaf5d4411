"""Customer tables → model inputs: infer each column's type, then clean columns to that type.

Pure functions on polars frames. :func:`infer_feature_spec` looks at a table once and decides,
per column, whether it is a ``numeric`` feature (including numbers stored as text with blanks,
such as the IBM Telco ``TotalCharges``), a ``binary`` one (Yes/No, True/False, 0/1) or a
``categorical`` one, and which columns to leave out (the label, the identifier, constant
columns, dates, identifier-like text). :func:`prepare` then turns any frame with those columns
into the model matrix: numeric and binary columns as ``Float64`` (blanks as null), categorical
columns as trimmed ``String``. Values never seen in training become null (binary) or an
unknown category (categorical), which the pipelines in :mod:`cxbridge.models.churn.modelling`
absorb.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import polars as pl

from cxbridge.platform.errors import UserError

Kind = Literal["numeric", "binary", "categorical"]
KINDS: tuple[str, ...] = ("numeric", "binary", "categorical")

# Text read as "no value" (compared after trimming, case-insensitively).
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "-", "?"})
# Text pairs read as a binary flag: (negative, positive), lower case.
BINARY_PAIRS = (("no", "yes"), ("false", "true"), ("n", "y"), ("f", "t"), ("0", "1"))
TEMPLATE_FIELDS = frozenset({"feature", "value", "reference"})
MIN_ROWS_FOR_ID_GUESS = 20


class ChurnDataError(UserError, ValueError):
    """A table or argument the churn model cannot use; the message says what to change."""


@dataclass(frozen=True)
class Feature:
    """One model input: its type, and how reasons about it are worded.

    ``levels`` names the (negative, positive) values of a binary feature as they appear in
    the data, e.g. ``("No", "Yes")``. ``template`` words a reason, with the placeholders
    ``{feature}``, ``{value}`` and ``{reference}``; ``network`` marks features rooted in the
    network (outages, poor-experience days) so reasons can say so.
    """

    name: str
    kind: Kind
    levels: tuple[str, str] | None = None
    template: str | None = None
    network: bool = False

    def as_dict(self) -> dict:
        return {"name": self.name, "type": self.kind, "levels": list(self.levels or []) or None,
                "template": self.template, "network": self.network}


@dataclass(frozen=True)
class FeatureSpec:
    """The features a model uses, in order, and the columns left out with the reason why."""

    features: tuple[Feature, ...]
    excluded: Mapping[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    def of_kind(self, kind: str) -> list[str]:
        return [f.name for f in self.features if f.kind == kind]

    def feature(self, name: str) -> Feature:
        for candidate in self.features:
            if candidate.name == name:
                return candidate
        raise KeyError(name)

    def with_wording(self, templates: Mapping[str, str] | None = None,
                     network: Iterable[str] | None = None) -> FeatureSpec:
        """A copy whose reason templates and network flags come from the caller."""
        templates = dict(templates or {})
        network = set(network or ())
        unknown = (set(templates) | network) - set(self.names)
        if unknown:
            raise ChurnDataError(f"templates / network flags name column(s) the model does not "
                                 f"use: {', '.join(sorted(unknown))}; features are: "
                                 f"{', '.join(self.names)}")
        for name, template in templates.items():
            _check_template(name, template)
        features = tuple(replace(f, template=templates.get(f.name, f.template),
                                 network=f.network or f.name in network)
                         for f in self.features)
        return replace(self, features=features)

    def as_dict(self) -> dict:
        return {"features": [f.as_dict() for f in self.features], "excluded": dict(self.excluded)}


def _check_template(name: str, template: str) -> None:
    try:
        used = {part[1] for part in string.Formatter().parse(template) if part[1] is not None}
    except ValueError as exc:
        raise ChurnDataError(f"reason template for {name!r} is malformed ({exc}): "
                             f"{template!r}") from exc
    if not used <= TEMPLATE_FIELDS:
        raise ChurnDataError(f"reason template for {name!r} uses {sorted(used - TEMPLATE_FIELDS)};"
                             f" allowed placeholders are {{feature}}, {{value}}, {{reference}}")


def infer_feature_spec(frame: pl.DataFrame, *, label: str | None = None,
                       id_column: str | None = None, exclude: Iterable[str] = (),
                       kinds: Mapping[str, str] | None = None,
                       templates: Mapping[str, str] | None = None,
                       network: Iterable[str] | None = None) -> FeatureSpec:
    """Decide each column's type from its values; ``kinds`` forces a type by column name."""
    kinds = dict(kinds or {})
    bad = {name: kind for name, kind in kinds.items() if kind not in KINDS}
    if bad:
        raise ChurnDataError(f"unknown feature type(s) {bad}; use one of {', '.join(KINDS)}")
    missing = set(kinds) - set(frame.columns)
    if missing:
        raise ChurnDataError(f"feature type given for missing column(s): {sorted(missing)}")
    skipped = {label: "label", id_column: "identifier", **{c: "excluded by caller"
                                                             for c in exclude}}
    features: list[Feature] = []
    excluded: dict[str, str] = {}
    for name in frame.columns:
        if name in skipped:
            excluded[name] = skipped[name]
            continue
        decision = _infer_column(frame.get_column(name), kinds.get(name))
        if isinstance(decision, str):
            excluded[name] = decision
        else:
            features.append(decision)
    if not features:
        raise ChurnDataError(f"no usable feature columns; left out: {excluded}")
    return FeatureSpec(tuple(features), excluded).with_wording(templates, network)


def _infer_column(column: pl.Series, forced: str | None) -> Feature | str:
    """A :class:`Feature`, or the reason the column is left out."""
    name, dtype = column.name, column.dtype
    if dtype.is_temporal():
        return "date/time column: derive a number from it (e.g. tenure in days) to use it"
    if dtype == pl.Boolean:
        return _decide(name, forced, "binary", ("false", "true"), column.drop_nulls().n_unique())
    if dtype.is_numeric():
        values = column.cast(pl.Float64).drop_nulls().drop_nans()
        if values.len() and set(values.unique().to_list()) <= {0.0, 1.0}:
            return _decide(name, forced, "binary", ("0", "1"), values.n_unique())
        return _decide(name, forced, "numeric", None, values.n_unique())
    text = _clean_text(column.cast(pl.String)).drop_nulls()
    if text.len() == 0:
        return "always blank"
    as_number = text.cast(pl.Float64, strict=False)
    if as_number.null_count() == 0:
        if set(as_number.unique().to_list()) <= {0.0, 1.0}:
            return _decide(name, forced, "binary", ("0", "1"), as_number.n_unique())
        return _decide(name, forced, "numeric", None, as_number.n_unique())
    if _looks_like_dates(text):
        return "date/time column (as text): derive a number from it (e.g. tenure in days)"
    distinct = text.unique().sort().to_list()
    levels = _binary_levels(distinct)
    if levels is not None:
        return _decide(name, forced, "binary", levels, len(distinct))
    if forced is None and len(distinct) == text.len() and text.len() >= MIN_ROWS_FOR_ID_GUESS:
        return "identifier-like: every value is different"
    return _decide(name, forced, "categorical", None, len(distinct))


DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y", "%m/%d/%Y",
                "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y")


def parse_dates(text: pl.Series) -> pl.Series | None:
    """``text`` as datetimes when one common format reads (nearly) every value, else None."""
    known = text.drop_nulls()
    if known.len() == 0:
        return None
    for fmt in DATE_FORMATS:
        parsed = text.str.strip_chars().str.to_datetime(fmt, strict=False, exact=False)
        if parsed.drop_nulls().len() >= 0.98 * known.len():
            return parsed
    return None


def _looks_like_dates(text: pl.Series) -> bool:
    sample = text.head(500)
    return (bool(sample.str.contains(r"\d").all()) and sample.str.len_chars().min() >= 8
            and parse_dates(sample) is not None)


def _decide(name: str, forced: str | None, kind: str, levels: tuple[str, str] | None,
            distinct: int) -> Feature | str:
    if distinct < 2:
        return "constant: a single value"
    if forced == "binary" and levels is None and kind == "categorical":
        raise ChurnDataError(f"column {name!r} cannot be binary: its values are not Yes/No, "
                             f"True/False or 0/1; leave it categorical")
    if forced is not None and forced != kind:
        return Feature(name, forced, None)  # type: ignore[arg-type]
    return Feature(name, kind, levels)  # type: ignore[arg-type]


def _binary_levels(distinct: list[str]) -> tuple[str, str] | None:
    lowered = {value.lower(): value for value in distinct}
    if len(lowered) != 2 or len(distinct) != 2:
        return None
    for negative, positive in BINARY_PAIRS:
        if set(lowered) == {negative, positive}:
            return lowered[negative], lowered[positive]
    return None


def _clean_text(column: pl.Series) -> pl.Series:
    stripped = column.str.strip_chars()
    return pl.select(pl.when(stripped.str.to_lowercase().is_in(list(MISSING_TOKENS)))
                     .then(None).otherwise(stripped).alias(column.name)).to_series()


def prepare(frame: pl.DataFrame, spec: FeatureSpec) -> pl.DataFrame:
    """The model matrix: one column per feature, cleaned to its type, in the spec's order."""
    absent = [name for name in spec.names if name not in frame.columns]
    if absent:
        raise ChurnDataError(f"column(s) the model needs are missing: {', '.join(absent)}")
    return pl.DataFrame([_clean(frame.get_column(f.name), f) for f in spec.features])


def _clean(column: pl.Series, feature: Feature) -> pl.Series:
    if feature.kind == "categorical":
        return _clean_text(column.cast(pl.String))
    if column.dtype == pl.Boolean or column.dtype.is_numeric():
        return column.cast(pl.Float64)
    text = _clean_text(column.cast(pl.String))
    if feature.kind == "binary" and feature.levels is not None:
        negative, positive = (level.lower() for level in feature.levels)
        lowered = text.str.to_lowercase()
        return pl.select(pl.when(lowered == positive).then(1.0)
                         .when(lowered == negative).then(0.0)
                         .otherwise(None).alias(column.name)).to_series()
    return text.cast(pl.Float64, strict=False)


def _label_column(frame: pl.DataFrame, label: str) -> pl.Series:
    """The label column as trimmed text (whole floats as integers, blanks as nulls); an error
    naming the columns when it is not in the table."""
    if label not in frame.columns:
        raise ChurnDataError(f"label column {label!r} is not in the table; columns are: "
                             f"{', '.join(frame.columns)}")
    column = frame.get_column(label)
    if column.dtype.is_float() and bool((column.drop_nulls() % 1 == 0).all()):
        column = column.cast(pl.Int64)
    return _clean_text(column.cast(pl.String))


def encode_label(frame: pl.DataFrame, label: str, positive: object | None = None
                 ) -> tuple[np.ndarray, str]:
    """The label as 0/1 and the positive value as text; errors say what is wrong with it."""
    text = _label_column(frame, label)
    blanks = text.null_count()
    if blanks:
        first = int(text.is_null().arg_true()[0])
        raise ChurnDataError(f"label column {label!r} is blank on {blanks} row(s) (first: data "
                             f"row {first + 1}); fill or remove those rows")
    values = sorted(text.unique().to_list())
    wanted = _positive_text(positive, values, label)
    if wanted not in values:
        raise ChurnDataError(f"positive value {wanted!r} does not occur in label column "
                             f"{label!r}; its values are: {', '.join(values[:20])}")
    if len(values) < 2:
        raise ChurnDataError(f"label column {label!r} has a single value ({values[0]!r}); a "
                             f"churn model needs customers who churned and customers who did not")
    return (text == wanted).cast(pl.Int8).to_numpy(), wanted


@dataclass(frozen=True)
class Target:
    """What a model predicts: a 0/1 outcome (``positive`` vs the rest) or one of several
    classes; ``ordinal`` when the classes are numbers (e.g. fault severity 0/1/2), whose order
    then means something (the model reports the expected value and ranks by it)."""

    label: str
    classes: tuple[str, ...]
    positive: str | None = None
    ordinal: bool = False

    @property
    def binary(self) -> bool:
        return self.positive is not None

    def as_dict(self) -> dict:
        return {"label": self.label, "classes": list(self.classes), "positive": self.positive,
                "ordinal": self.ordinal, "kind": "binary" if self.binary else "multiclass"}


def label_text(frame: pl.DataFrame, label: str) -> pl.Series:
    """The label column as trimmed text; errors for a missing column or blank labels.

    Blank labels are refused, not dropped: a row without an outcome is usually a customer
    whose outcome is not known yet, and silently leaving them out would change who the model
    is about. The message says how many rows and where the first one is.
    """
    text = _label_column(frame, label)
    blanks = text.null_count()
    if blanks:
        first = int(text.is_null().arg_true()[0])
        raise ChurnDataError(f"label column {label!r} is blank on {blanks} of {len(text)} "
                             f"row(s) (first: data row {first + 1}); rows without an outcome "
                             f"are refused, not dropped: fill or remove them")
    values = text.unique().to_list()
    if len(values) < 2:
        raise ChurnDataError(f"label column {label!r} has a single value ({values[0]!r}); a "
                             f"model needs at least two outcomes to tell apart")
    return text


def encode_target(frame: pl.DataFrame, label: str, positive: object | None = None
                  ) -> tuple[np.ndarray, Target]:
    """The label as class codes (0/1 when binary) and what they mean.

    With ``positive``, or a label of two values one of which reads as yes/true/1, the target
    is binary. A label with more than two values is multi-class, ordinal when every value is
    a whole number.
    """
    text = label_text(frame, label)
    values = sorted(text.unique().to_list())
    if positive is not None or len(values) == 2:
        y, wanted = encode_label(frame, label, positive)
        return y.astype(np.int64), Target(label, (f"not {wanted}", wanted), wanted)
    as_number = text.cast(pl.Float64, strict=False)
    ordinal = as_number.null_count() == 0 and bool((as_number % 1 == 0).all())
    if ordinal:
        values = sorted(values, key=float)
    codes = {value: index for index, value in enumerate(values)}
    y = np.array([codes[v] for v in text.to_list()], dtype=np.int64)
    return y, Target(label, tuple(values), None, ordinal)


def _positive_text(positive: object | None, values: list[str], label: str) -> str:
    if positive is not None:
        return str(positive).strip() if not isinstance(positive, bool) else str(positive).lower()
    for candidate in ("1", "true", "yes"):
        matches = [v for v in values if v.lower() == candidate]
        if matches:
            return matches[0]
    raise ChurnDataError(f"say which value of {label!r} means churn (values: "
                         f"{', '.join(values[:20])})")
