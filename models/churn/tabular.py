"""Customer tables → model inputs: infer each column's type, then clean columns to that type.

Pure functions on polars frames. :func:`infer_feature_spec` looks at a table once and decides,
per column, whether it is a ``numeric`` feature (including numbers stored as text with blanks,
such as the IBM Telco ``TotalCharges``), a ``binary`` one (Yes/No, True/False, 0/1) or a
``categorical`` one, and which columns to leave out (the label, the identifier, constant
columns, dates, identifier-like text). :func:`prepare` then turns any frame with those columns
into the model matrix: numeric and binary columns as ``Float64`` (blanks as null), categorical
columns as trimmed ``String``. Values never seen in training become null (binary) or an
unknown category (categorical), which the pipelines in :mod:`cxbridge.models.churn.modelling`
absorb; with ``strict=True`` (scoring a customer table) a number or flag that does not read is
an error naming the column instead of a silent blank.

Tables come from many tools, so the reading is tolerant where the meaning is not in doubt:
numbers may be written with a decimal comma (``29,85``), thousands separators (``1,234.50``,
``1.234,50``, ``1 234,50``) or a currency or percent sign (each column keeps the one way it was
written in training, :data:`NUMBER_FORMATS`); a yes/no column may say Yes/No, yes/no,
True/False or 1/0 at scoring whatever it said in training; label values that differ only in
case (``Yes``, ``yes``, ``YES``) are one value, and a label written ``True.``/``False.`` is
read as true/false. :func:`leak_warnings` names a column that alone tells the outcome apart
(a copy of the label, a status recorded after the churn).
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
MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "-", "?",
                            # a spreadsheet's error values, exported as text
                            "#n/a", "#value!", "#div/0!", "#ref!", "#name?", "#num!", "#null!"})
# Text pairs read as a binary flag: (negative, positive), lower case.
BINARY_PAIRS = (("no", "yes"), ("false", "true"), ("n", "y"), ("f", "t"), ("0", "1"))
# ... and every spelling of either side, accepted whatever the training table used
NEGATIVE_TOKENS = frozenset({"no", "false", "n", "f", "0", "0.0"})
POSITIVE_TOKENS = frozenset({"yes", "true", "y", "t", "1", "1.0"})
# How numbers are written, tried in this order on a text column (every non-blank value must
# read): ``plain`` (29.85, 1e-3), ``dot`` (1,234.50 · 1 234.50 · $29.85 · 12 %: thousands in
# groups of three, decimal point) and ``comma`` (29,85 · 1.234,50 · 1 234,50 €: decimal
# comma). "1,234" alone reads as ``dot`` (a thousand and more), as most spreadsheets write it.
NUMBER_FORMATS = ("plain", "dot", "comma")
_DECORATION = r"^[$€£¥]\s*|\s*[$€£¥%]$"
_NUMBER_SHAPES = {
    "dot": (r"^[+-]?(?:\d{1,3}(?:[, \u00a0\u202f']\d{3})+|\d+)(?:\.\d+)?$", r"[, \u00a0\u202f']",
            None),
    "comma": (r"^[+-]?(?:\d{1,3}(?:[. \u00a0\u202f']\d{3})+|\d+)(?:,\d+)?$",
              r"[. \u00a0\u202f']", ","),
}
# a whole-number column whose values never repeat although random draws from its range would
# (this many repeats expected) is a row number or an account number, not a quantity
ID_REPEATS_EXPECTED = 3.0
# a column that alone orders the outcome this well (ROC AUC, either direction) or removes this
# share of the commonest-class errors (several classes) is named in the warnings: a copy of the
# label, a status recorded after the churn, …
LEAK_AUC = 0.99
LEAK_ERROR_SHARE = 0.05
# a label of more values than this is not an outcome (a number, a name: the wrong column)
MAX_CLASSES = 20
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
    # how a numeric column's text was written in training (one of NUMBER_FORMATS); None:
    # decided on each table read (side tables)
    number_format: str | None = None
    # the word a numeric column writes for "no value" ("unknown" in a price column), lower
    # case: read as blank, in training and when scoring
    placeholder: str | None = None

    def as_dict(self) -> dict:
        out = {"name": self.name, "type": self.kind, "levels": list(self.levels or []) or None,
               "template": self.template, "network": self.network}
        if self.number_format not in (None, "plain"):
            out["number_format"] = self.number_format
        if self.placeholder is not None:
            out["placeholder"] = self.placeholder
        return out


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
                       network: Iterable[str] | None = None,
                       guess_numeric_ids: bool = False) -> FeatureSpec:
    """Decide each column's type from its values; ``kinds`` forces a type by column name.

    With ``guess_numeric_ids``, a whole-number column that never repeats where random values
    of its range would (a row number, an account number) is left out like identifier text."""
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
        decision = _infer_column(frame.get_column(name), kinds.get(name), guess_numeric_ids)
        if isinstance(decision, str):
            excluded[name] = decision
        else:
            features.append(decision)
    if not features:
        raise ChurnDataError(f"no usable feature columns; left out: {excluded}")
    return FeatureSpec(tuple(features), excluded).with_wording(templates, network)


def _infer_column(column: pl.Series, forced: str | None,
                  guess_numeric_ids: bool = False) -> Feature | str:
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
        if forced is None and guess_numeric_ids and _looks_like_numeric_ids(values, len(column)):
            return NUMERIC_ID_REASON
        return _decide(name, forced, "numeric", None, values.n_unique(), "plain")
    text = _clean_text(column.cast(pl.String)).drop_nulls()
    if text.len() == 0:
        return "always blank"
    number_format = _number_format(text)
    if number_format is not None:
        as_number = _read_numbers(text, number_format)
        if set(as_number.unique().to_list()) <= {0.0, 1.0}:
            return _decide(name, forced, "binary", ("0", "1"), as_number.n_unique())
        if (forced is None and guess_numeric_ids
                and _looks_like_numeric_ids(as_number, len(column))):
            return NUMERIC_ID_REASON
        return _decide(name, forced, "numeric", None, as_number.n_unique(), number_format)
    found = _placeholder_numbers(text)
    if found is not None:
        number_format, placeholder, as_number = found
        decided = _decide(name, forced, "numeric", None, as_number.n_unique(), number_format)
        if isinstance(decided, Feature) and decided.kind == "numeric":
            return replace(decided, placeholder=placeholder)
        return decided
    if _looks_like_dates(text):
        return "date/time column (as text): derive a number from it (e.g. tenure in days)"
    distinct = text.unique().sort().to_list()
    levels = _binary_levels(distinct, text)
    if levels is not None:
        return _decide(name, forced, "binary", levels, 2)
    if forced is None and len(distinct) == text.len() and text.len() >= MIN_ROWS_FOR_ID_GUESS:
        return "identifier-like (or free text): every value is different"
    return _decide(name, forced, "categorical", None, len(distinct))


NUMERIC_ID_REASON = ("identifier-like: whole numbers that never repeat (a row or account "
                     "number, not a quantity)")


def _looks_like_numeric_ids(values: pl.Series, rows: int) -> bool:
    """Whole numbers on every row, all different, although as many random draws from their
    range would repeat ``ID_REPEATS_EXPECTED`` times or more (a quantity of a wide range, such
    as an amount in cents, may well never repeat; a row number or account number never does)."""
    values = values.drop_nulls().drop_nans()
    count = values.len()
    if count < MIN_ROWS_FOR_ID_GUESS or count < rows or values.n_unique() < count:
        return False
    if not bool((values % 1 == 0).all()):
        return False
    span = float(values.max()) - float(values.min()) + 1  # type: ignore[arg-type]
    return count * count / (2 * span) >= ID_REPEATS_EXPECTED


def _number_format(text: pl.Series) -> str | None:
    """The first of :data:`NUMBER_FORMATS` that reads every (non-blank) value, else None."""
    known = text.drop_nulls()
    if known.len() == 0:
        return None
    for number_format in NUMBER_FORMATS:
        if _read_numbers(known, number_format).null_count() == 0:
            return number_format
    return None


# a numeric column may write "no value" as one word on up to this share of its (non-blank) rows
PLACEHOLDER_SHARE = 0.5
_PLACEHOLDER_WORD = r"^[a-z][a-z _/.-]{0,30}$"


def _placeholder_numbers(text: pl.Series) -> tuple[str, str, pl.Series] | None:
    """A numeric column that writes "no value" as one word (``Unknown``, ``none``, ``not
    available``) on at most ``PLACEHOLDER_SHARE`` of its rows: (number format, the word in lower
    case, the numbers with the word as null); None for any other column. At least three
    different numbers are needed, so a categorical column with a numeric level is not taken."""
    known = text.drop_nulls()
    for number_format in NUMBER_FORMATS:
        numbers = _read_numbers(known, number_format)
        unread = known.filter(numbers.is_null()).str.to_lowercase()
        words = unread.unique()
        if (words.len() == 1 and unread.len() <= PLACEHOLDER_SHARE * known.len()
                and bool(words.str.contains(_PLACEHOLDER_WORD).all())
                and numbers.drop_nulls().n_unique() >= 3):
            return number_format, str(words[0]), numbers
    return None


def _read_numbers(text: pl.Series, number_format: str) -> pl.Series:
    """``text`` (trimmed, blanks as null) as numbers written the ``number_format`` way; a value
    written otherwise becomes null."""
    if number_format == "plain" or number_format not in _NUMBER_SHAPES:
        return text.cast(pl.Float64, strict=False).fill_nan(None)
    shape, grouping, decimal = _NUMBER_SHAPES[number_format]
    bare = text.str.replace_all(_DECORATION, "")
    digits = bare.str.replace_all(grouping, "")
    if decimal is not None:
        digits = digits.str.replace(decimal, ".", literal=True)
    return pl.select(pl.when(bare.str.contains(shape)).then(digits.cast(pl.Float64, strict=False))
                     .otherwise(None).alias(text.name)).to_series()


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
            distinct: int, number_format: str | None = None) -> Feature | str:
    if distinct < 2:
        return "constant: a single value"
    if forced == "binary" and levels is None and kind == "categorical":
        raise ChurnDataError(f"column {name!r} cannot be binary: its values are not Yes/No, "
                             f"True/False or 0/1; leave it categorical")
    if forced is not None and forced != kind:
        return Feature(name, forced, None,  # type: ignore[arg-type]
                       number_format=number_format if forced == "numeric" else None)
    return Feature(name, kind, levels, number_format=number_format)  # type: ignore[arg-type]


def _binary_levels(distinct: list[str], text: pl.Series | None = None
                   ) -> tuple[str, str] | None:
    """(negative, positive) as written, when the values are one yes/no pair in any mix of
    case (Yes, yes, YES …: the commonest spelling of each side names it)."""
    spellings: dict[str, list[str]] = {}
    for value in distinct:
        spellings.setdefault(value.lower(), []).append(value)
    if len(spellings) != 2:
        return None
    counts = (dict(text.value_counts().iter_rows()) if text is not None
              and len(distinct) > 2 else {})
    for negative, positive in BINARY_PAIRS:
        if set(spellings) == {negative, positive}:
            return (max(spellings[negative], key=lambda v: (counts.get(v, 0), v)),
                    max(spellings[positive], key=lambda v: (counts.get(v, 0), v)))
    return None


def _clean_text(column: pl.Series) -> pl.Series:
    stripped = column.str.strip_chars()
    return pl.select(pl.when(stripped.str.to_lowercase().is_in(list(MISSING_TOKENS)))
                     .then(None).otherwise(stripped).alias(column.name)).to_series()


def prepare(frame: pl.DataFrame, spec: FeatureSpec, *, strict: bool = False) -> pl.DataFrame:
    """The model matrix: one column per feature, cleaned to its type, in the spec's order.

    ``strict``: a number or yes/no value that does not read (``12 months`` in a numeric
    column, ``maybe`` in a Yes/No one) is an error naming the column, not a blank."""
    absent = [name for name in spec.names if name not in frame.columns]
    if absent:
        raise ChurnDataError(f"column(s) the model needs are missing: {', '.join(absent)}")
    return pl.DataFrame([_clean(frame.get_column(f.name), f, strict) for f in spec.features])


def _clean(column: pl.Series, feature: Feature, strict: bool = False) -> pl.Series:
    if feature.kind == "categorical":
        return _clean_text(column.cast(pl.String))
    if column.dtype == pl.Boolean or column.dtype.is_numeric():
        return column.cast(pl.Float64)
    text = _clean_text(column.cast(pl.String))
    if feature.placeholder is not None:
        text = pl.select(pl.when(text.str.to_lowercase() == feature.placeholder).then(None)
                         .otherwise(text).alias(text.name)).to_series()
    if feature.kind == "binary" and feature.levels is not None:
        negative, positive = (level.lower() for level in feature.levels)
        lowered = text.str.to_lowercase()
        out = pl.select(pl.when((lowered == positive) | lowered.is_in(list(POSITIVE_TOKENS)))
                        .then(1.0)
                        .when((lowered == negative) | lowered.is_in(list(NEGATIVE_TOKENS)))
                        .then(0.0)
                        .otherwise(None).alias(column.name)).to_series()
        if strict:
            _refuse_unread(text, out, f"{feature.levels[0]}/{feature.levels[1]} (or yes/no, "
                                      f"true/false, 1/0)")
        return out
    number_format = feature.number_format or _number_format(text) or "plain"
    out = _read_numbers(text, number_format)
    if strict and out.null_count() > text.null_count():
        other = _number_format(text)   # the whole table written another way (29,85 for 29.85)
        if other is not None:
            out = _read_numbers(text, other)
        _refuse_unread(text, out, "numbers")
    return out


def _refuse_unread(text: pl.Series, values: pl.Series, expected: str) -> None:
    unread = text.is_not_null() & values.is_null()
    count = int(unread.sum())
    if count:
        first = int(unread.arg_true()[0])
        raise ChurnDataError(f"column {text.name!r} has {count} value(s) that do not read as "
                             f"{expected}, as in training (first: {text[first]!r} on data row "
                             f"{first + 1}); correct them or leave them blank")


def _label_column(frame: pl.DataFrame, label: str, notes: list[str] | None = None
                  ) -> pl.Series:
    """The label column as trimmed text (whole numbers as integers, even written ``1.0``;
    spellings that differ only in case as the commonest one; blanks as nulls); an error naming
    the columns when it is not in the table."""
    if label not in frame.columns:
        raise ChurnDataError(f"label column {label!r} is not in the table; columns are: "
                             f"{', '.join(frame.columns)}")
    column = frame.get_column(label)
    if column.dtype.is_float() and bool((column.drop_nulls() % 1 == 0).all()):
        column = column.cast(pl.Int64)
    text = _clean_text(column.cast(pl.String))
    as_number = text.cast(pl.Float64, strict=False)
    if (text.null_count() < len(text) and as_number.null_count() == text.null_count()
            and bool(text.str.contains(".", literal=True).any())
            and bool((as_number.drop_nulls() % 1 == 0).all())):
        text = as_number.cast(pl.Int64).cast(pl.String).alias(text.name)
    spelled = _case_spellings(text)
    if spelled:
        text = text.replace(spelled)
        if notes is not None:
            merged = sorted({*spelled, *spelled.values()})
            notes.append(f"label {label!r}: values that differ only in case were read as one "
                         f"({', '.join(repr(v) for v in merged[:8])}"
                         f"{', …' if len(merged) > 8 else ''})")
    return text


def _case_spellings(text: pl.Series) -> dict[str, str]:
    """Values that differ from another only in case → the commonest spelling of the two."""
    counts = text.drop_nulls().value_counts(name="n").sort(["n", text.name],
                                                          descending=[True, False])
    best: dict[str, str] = {}
    out: dict[str, str] = {}
    for value, _ in counts.iter_rows():
        key = value.lower()
        if key in best:
            out[value] = best[key]
        else:
            best[key] = value
    return out


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
        shown = ", ".join(values[:20]) + (f", … ({len(values)} values)" if len(values) > 20
                                         else "")
        raise ChurnDataError(f"positive value {wanted!r} does not occur in label column "
                             f"{label!r}; its values are: {shown}")
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
    if len(values) > MAX_CLASSES:
        raise ChurnDataError(f"label {label!r} has {len(values):,} different values (e.g. "
                             f"{', '.join(values[:5])}): is it the outcome column? A model "
                             f"tells apart at most {MAX_CLASSES} classes; for churn, name the "
                             f"value that means churned with --positive")
    as_number = text.cast(pl.Float64, strict=False)
    ordinal = as_number.null_count() == 0 and bool((as_number % 1 == 0).all())
    if ordinal:
        values = sorted(values, key=float)
    codes = {value: index for index, value in enumerate(values)}
    y = np.array([codes[v] for v in text.to_list()], dtype=np.int64)
    return y, Target(label, tuple(values), None, ordinal)


def _positive_text(positive: object | None, values: list[str], label: str) -> str:
    """The label value meant by ``positive``: as written, else the one value equal to it
    ignoring case and a final full stop (``yes`` for ``Yes``, ``True`` for ``True.``, ``1``
    for ``1.0``); without ``positive``, the value that reads as 1, true or yes."""
    if positive is not None:
        wanted = (str(positive).strip() if not isinstance(positive, bool)
                  else str(positive).lower())
        if wanted in values:
            return wanted
        matches = [v for v in values if _loose(v) == _loose(wanted)]
        return matches[0] if len(matches) == 1 else wanted
    loose = {_loose(v): v for v in values}
    for negative, positive_value in BINARY_PAIRS:   # Y/N, T/F, … as a pair
        if len(values) == 2 and set(loose) == {negative, positive_value}:
            return loose[positive_value]
    for candidate in ("1", "true", "yes"):
        matches = [v for v in values if _loose(v) == candidate]
        if len(matches) == 1:
            return matches[0]
    raise ChurnDataError(f"say which value of {label!r} means churn with --positive (values: "
                         f"{', '.join(values[:20])})")


def _loose(value: str) -> str:
    text = value.strip().lower().rstrip(".").strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


# --- warnings: what a person should know about a table the model still accepts --------------


def label_warnings(frame: pl.DataFrame, label: str, target: Target) -> list[str]:
    """How the label was read, where it is not as written: spellings folded together, and the
    values that a 0/1 target counts as "not positive" when there are more than one."""
    notes: list[str] = []
    text = _label_column(frame, label, notes)
    if target.binary:
        others = (text.filter(text != target.positive).value_counts(sort=True)
                  .iter_rows())
        others = list(others)
        if len(others) > 1:
            listed = ", ".join(f"{value!r} ({count:,} rows)" for value, count in others[:6])
            notes.append(f"label {label!r} has {len(others) + 1} values: every row that is not "
                         f"{target.positive!r} counts as not churned ({listed}"
                         f"{', …' if len(others) > 6 else ''}); leave out --positive for a "
                         f"model of every class")
    return notes


def leak_warnings(matrix: pl.DataFrame, y: np.ndarray, spec: FeatureSpec, classes: int
                  ) -> list[str]:
    """Columns that alone tell the outcome apart: a copy of the label, a status or a date
    recorded after the churn. Nothing is left out (a real, very strong column is possible);
    the warning says how to leave it out. Categories are judged on two halves of the rows,
    each by the other half's outcome per level, so an identifier-like column is not flagged."""
    out: list[str] = []
    if len(y) < 2 or np.unique(y).size < 2:
        return out
    for feature in spec.features:
        column = matrix.get_column(feature.name)
        if classes == 2:
            strength = _alone_auc(column, feature.kind, y)
            if strength is not None and strength >= LEAK_AUC:
                out.append(_leak_text(feature.name, f"ROC AUC {strength:.3f} on its own"))
        else:
            accuracy, commonest = _alone_accuracy(column, feature.kind, y)
            if 1 - accuracy <= LEAK_ERROR_SHARE * (1 - commonest):
                out.append(_leak_text(feature.name, f"right on {accuracy:.1%} of rows on its "
                                                    f"own, against {commonest:.1%} for the "
                                                    f"commonest class"))
    return out


def _leak_text(name: str, how: str) -> str:
    return (f"column {name!r} alone tells the outcome apart ({how}): if it is known only "
            f"after the outcome (a status, a cancellation date or reason, a copy of the label), "
            f"every figure is too good to be true; leave it out with --exclude {name}")


def _halves(rows: int) -> np.ndarray:
    return np.random.default_rng(0).permutation(rows) % 2


def _cross_fit(keys: pl.Series, y: np.ndarray, classes: int) -> np.ndarray:
    """Per row, from the other half of the rows: the positive rate of its key (two classes)
    or the commonest class of its key (several); unseen keys get the other half's overall."""
    frame = pl.DataFrame({"key": keys.cast(pl.String).fill_null("\x00blank"),
                          "y": y, "half": _halves(len(y))})
    out = np.zeros(len(y))
    for half in (0, 1):
        other = frame.filter(pl.col("half") != half)
        if classes == 2:
            stats = other.group_by("key").agg(pl.col("y").mean().alias("v"))
            overall = float(other.get_column("y").mean())  # type: ignore[arg-type]
        else:
            stats = (other.group_by("key", "y").len().sort(["key", "len", "y"],
                                                          descending=[False, True, False])
                     .group_by("key", maintain_order=True).first()
                     .select("key", pl.col("y").cast(pl.Float64).alias("v")))
            overall = float(np.bincount(other.get_column("y").to_numpy()).argmax())
        mine = frame.with_row_index("i").filter(pl.col("half") == half)
        joined = mine.join(stats, on="key", how="left").sort("i")
        out[joined.get_column("i").to_numpy()] = joined.get_column("v").fill_null(overall
                                                                                  ).to_numpy()
    return out


def _alone_auc(column: pl.Series, kind: str, y: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if kind == "categorical":
        score = _cross_fit(column, y, 2)
        auc = float(roc_auc_score(y, score))
        return max(auc, 1 - auc)
    values = column.cast(pl.Float64).to_numpy().astype(float)
    blank = np.isnan(values)
    if blank.all():
        return None
    low, high = np.nanmin(values) - 1, np.nanmax(values) + 1
    best = 0.0
    for fill in (low, high):   # a blank may be the tell (a cancellation fee only for leavers)
        auc = float(roc_auc_score(y, np.where(blank, fill, values)))
        best = max(best, auc, 1 - auc)
    return best


def _alone_accuracy(column: pl.Series, kind: str, y: np.ndarray) -> tuple[float, float]:
    classes = int(y.max()) + 1
    if kind == "categorical":
        keys = column
    else:
        values = column.cast(pl.Float64).to_numpy().astype(float)
        known = values[~np.isnan(values)]
        edges = (np.unique(np.quantile(known, np.linspace(0, 1, 21)[1:-1])) if known.size
                 else np.array([]))
        bins = np.where(np.isnan(values), -1, np.searchsorted(edges, values, side="right"))
        keys = pl.Series(bins.astype(str))
    guess = _cross_fit(keys, y, classes)
    return float(np.mean(guess == y)), float(np.bincount(y).max() / len(y))


def unseen_levels(frame: pl.DataFrame, spec: FeatureSpec, known: Mapping[str, Iterable[str]],
                  skip: Iterable[str] = ()) -> list[str]:
    """Notes on a table to score: a feature blank on every row, and categories the model saw
    on too few training rows or never (``known``: the levels it knows per column), which it
    scores as an uncommon category. Columns in ``skip`` (many levels) are not checked."""
    notes: list[str] = []
    skip = set(skip)
    for feature in spec.features:
        if feature.name not in frame.columns or frame.height == 0:
            continue
        text = _clean_text(frame.get_column(feature.name).cast(pl.String))
        if text.null_count() == len(text):
            notes.append(f"column {feature.name!r} is blank on every row: scored as unknown "
                         f"(the model's typical value)")
            continue
        if feature.kind != "categorical" or feature.name in skip:
            continue
        values = text.drop_nulls()
        unknown = values.filter(~values.is_in(list(known.get(feature.name, []))))
        if unknown.len():
            top = unknown.value_counts(sort=True).row(0)[0]
            notes.append(f"column {feature.name!r}: {unknown.len():,} row(s) with a value the "
                         f"model saw on too few training rows or never (e.g. {top!r}), scored "
                         f"as an uncommon category")
    return notes
