"""Keyed side tables → one row per id: generic aggregation joined onto the main table.

A side table holds any number of rows per key (events, log lines, resource types of an
incident or a customer). :func:`learn_side` looks at it once, on the training data, and
decides what to build; :func:`apply_side` builds the same columns for any table (training or
scoring), so a model sees identical features at both times:

* ``<name>__rows``: how many side rows the id has (0 when none);
* per text (or yes/no) column: the count of each of its commonest levels (at most
  ``TOP_LEVELS``, each seen for at least ``MIN_IDS`` ids), the count of all other levels
  (``__other``) and the number of distinct levels (a column named like its side table is
  not repeated: ``event_type=event_type_35``, not ``event_type__event_type=…``);
* per numeric column: sum, mean and max; and, for each text column beside it, the numeric
  column's sum per kept level (e.g. a log feature's volume).

Nothing here knows any data set: names come from the file and its columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from cxbridge.models.churn.tabular import ChurnDataError, infer_feature_spec, prepare

TOP_LEVELS = 20
MIN_IDS = 10


@dataclass(frozen=True)
class SideSpec:
    """What to build from one side table: its key, name and the kept levels per column."""

    name: str
    key: str
    levels: dict[str, tuple[str, ...]]   # text column → kept levels
    numbers: tuple[str, ...]             # numeric columns

    def as_dict(self) -> dict:
        return {"name": self.name, "key": self.key,
                "levels": {c: list(v) for c, v in self.levels.items()},
                "numbers": list(self.numbers)}


def side_name(stem: str) -> str:
    """A column-name-safe prefix from a file name."""
    return re.sub(r"[^0-9A-Za-z]+", "_", stem).strip("_") or "side"


def check_key(main: pl.DataFrame, side: pl.DataFrame, key: str, what: str) -> None:
    if key not in side.columns:
        raise ChurnDataError(f"side table {what} has no key column {key!r}; its columns are: "
                             f"{', '.join(side.columns)} (write --side KEY=FILE with a column "
                             f"both tables have)")
    if key not in main.columns:
        raise ChurnDataError(f"the main table has no column {key!r} to join side table {what} "
                             f"on; its columns are: {', '.join(main.columns)}")
    if side.width < 2:
        raise ChurnDataError(f"side table {what} has only its key column {key!r}")


def key_text(column: pl.Series) -> pl.Series:
    """A key column as trimmed text, whole floats written as integers (a Parquet file whose
    ids became 1.0, 2.0 … still joins a CSV's 1, 2 …)."""
    if column.dtype.is_float() and bool((column.drop_nulls() % 1 == 0).all()):
        column = column.cast(pl.Int64)
    return column.cast(pl.String).str.strip_chars()


def check_overlap(main: pl.DataFrame, side: pl.DataFrame, key: str, what: str) -> None:
    """A side table none of whose keys is in the main table was joined on the wrong column
    or is the wrong file: every id would get zeros. Refused, with an example of each."""
    main_keys, side_keys = key_text(main.get_column(key)), key_text(side.get_column(key))
    if side_keys.drop_nulls().len() == 0 or main_keys.drop_nulls().len() == 0:
        return
    if not bool(side_keys.is_in(main_keys.drop_nulls().unique().implode()).any()):
        raise ChurnDataError(f"side table {what} shares no {key!r} value with the main table "
                             f"(main: {main_keys.drop_nulls()[0]!r}, side: "
                             f"{side_keys.drop_nulls()[0]!r}); check the file and the key")


def learn_side(side: pl.DataFrame, key: str, name: str) -> SideSpec:
    """Decide the columns to build from ``side`` (training data)."""
    rest = side.drop(key)
    try:
        spec = infer_feature_spec(rest)
    except ChurnDataError:
        return SideSpec(name, key, {}, ())
    cleaned = prepare(rest, spec).with_columns(key_text(side.get_column(key)).alias(key))
    levels: dict[str, tuple[str, ...]] = {}
    # a Yes/No column is counted per level like any text column
    cleaned = cleaned.with_columns(
        [rest.get_column(c).cast(pl.String).str.strip_chars().alias(c)
         for c in spec.of_kind("binary")])
    for column in spec.of_kind("categorical") + spec.of_kind("binary"):
        counts = (cleaned.filter(pl.col(column).is_not_null())
                  .group_by(column).agg(pl.col(key).n_unique().alias("ids"))
                  .filter(pl.col("ids") >= MIN_IDS)
                  .sort(["ids", column], descending=[True, False]).head(TOP_LEVELS))
        levels[column] = tuple(counts.get_column(column).to_list())
    numbers = tuple(spec.of_kind("numeric"))
    return SideSpec(name, key, levels, numbers)


def _slug(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", str(value)).strip("_") or "blank"


def apply_side(main: pl.DataFrame, side: pl.DataFrame, spec: SideSpec) -> pl.DataFrame:
    """``main`` with the side table's per-id columns added (ids without side rows get 0s)."""
    key, prefix = spec.key, spec.name
    kinds = {c: "categorical" for c in spec.levels} | {c: "numeric" for c in spec.numbers}
    missing = [c for c in kinds if c not in side.columns]
    if missing:
        raise ChurnDataError(f"side table {prefix} lacks column(s) the model was trained with: "
                             f"{', '.join(missing)}")
    from cxbridge.models.churn.tabular import Feature, FeatureSpec

    columns = FeatureSpec(tuple(Feature(c, k) for c, k in kinds.items()))  # type: ignore[arg-type]
    cleaned = (prepare(side, columns) if kinds else pl.DataFrame()).with_columns(
        key_text(side.get_column(key)).alias("__key"))
    def named(column: str) -> str:   # "event_type" of side table "event_type" is not doubled
        return prefix if _slug(column) == prefix else f"{prefix}__{_slug(column)}"

    aggregations = [pl.len().alias(f"{prefix}__rows")]
    for column, kept in spec.levels.items():
        for level in kept:
            hit = pl.col(column) == level
            aggregations.append(hit.sum().alias(f"{named(column)}={_slug(level)}"))
            for number in spec.numbers:
                aggregations.append(pl.when(hit).then(pl.col(number)).otherwise(0.0).sum()
                                    .alias(f"{named(number)}@{_slug(level)}"))
        aggregations.append((pl.col(column).is_not_null() & ~pl.col(column).is_in(list(kept)))
                            .sum().alias(f"{named(column)}=__other"))
        aggregations.append(pl.col(column).drop_nulls().n_unique()
                            .alias(f"{named(column)}__distinct"))
    for number in spec.numbers:
        aggregations += [pl.col(number).sum().alias(f"{named(number)}__sum"),
                         pl.col(number).mean().alias(f"{named(number)}__mean"),
                         pl.col(number).max().alias(f"{named(number)}__max")]
    per_id = cleaned.group_by("__key").agg(aggregations)
    counts = [c for c in per_id.columns if c != "__key" and not c.endswith(("__mean", "__max"))]
    joined = (main.with_columns(key_text(main.get_column(key)).alias("__key"))
              .join(per_id, on="__key", how="left", maintain_order="left").drop("__key"))
    return joined.with_columns([pl.col(c).fill_null(0) for c in counts])
