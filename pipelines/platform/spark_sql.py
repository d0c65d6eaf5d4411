"""The model SQL files, written for DuckDB, as Spark SQL: sqlglot's DuckDB → Spark translation
plus the few rewrites it does not do (the project's dialect layer).

The SQL files stay the single source of every model (issue 15: the same pipeline on Spark).
sqlglot translates almost all of them as they are; what it leaves in a form Spark's parser
refuses is rewritten here, one rule per construct, each with the DuckDB meaning it keeps:

* ``first(x ORDER BY k1 [DESC], k2 …)`` (DuckDB's ordered aggregate: the ``x`` of the first row
  in that order) has no Spark form. It becomes the first element of the group's
  ``(k1, k2, …, x)`` structs sorted by a comparator that honours each key's direction and
  DuckDB's default NULLS LAST: ``element_at(array_sort(collect_list(named_struct(…)),
  (l, r) -> …), 1).v``.
* ``arg_min(x, key)`` / ``arg_max`` skip the rows whose ``x`` is NULL in DuckDB and not in
  Spark's ``min_by`` / ``max_by``: the key is made NULL on those rows (Spark skips NULL keys);
  a row value key ``(a, b)`` (the smallest pair, compared field by field) becomes
  ``struct(a, b)``, which Spark orders the same way as long as no field is NULL (DuckDB puts
  a NULL field last, Spark first): coalesce the fields of a row key.

What cannot be written portably is refused with the reason (``UPDATE … FROM`` on a Parquet table:
Spark has no in-place update without a table format such as Delta, which this machine cannot
fetch); the engine that runs those statements must rebuild the table instead.

``tests/pipelines/test_sql_portability.py`` translates every SQL file under ``models/`` and,
where PySpark is installed (the ``spark`` extra), parses each statement with Spark's own
parser, so a new file that Spark cannot read fails a test, not a cluster run.
"""

from __future__ import annotations

from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel


class NotPortableError(ValueError):
    """A statement that has no Spark form (the message says which construct and why)."""


def spark_statements(sql: str, source: str = "<sql>") -> list[str]:
    """Every statement of the DuckDB SQL text ``sql`` as Spark SQL, in order. ``source`` names
    the file in errors. Raises :class:`NotPortableError` for a construct Spark cannot run."""
    statements = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue
        if isinstance(tree, exp.Update) and tree.args.get("from_"):
            raise NotPortableError(f"{source}: UPDATE … FROM has no Spark form on Parquet tables "
                              "(no in-place update without Delta or Iceberg); rebuild the "
                              "table with CREATE OR REPLACE … AS SELECT instead")
        tree = tree.transform(_rewrite)
        statements.append(tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE))
    return statements


def spark_file(path: Path) -> list[str]:
    """:func:`spark_statements` of one SQL file."""
    return spark_statements(path.read_text(encoding="utf-8"), str(path))


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.First) and isinstance(node.this, exp.Order):
        return _ordered_first(node.this)
    if isinstance(node, (exp.ArgMin, exp.ArgMax)):
        return _arg_extreme(node)
    return node


def _arg_extreme(node: exp.ArgMin | exp.ArgMax) -> exp.Expression:
    """DuckDB's ``arg_min(x, key)`` skips the rows whose ``x`` is NULL (``arg_min_null`` would
    not); Spark's ``min_by`` does not, so the key is made NULL there (``min_by`` skips NULL
    keys). A row value key ``(a, b)`` becomes ``struct(a, b)``."""
    value, key = node.this.copy(), node.expression.copy()
    if isinstance(key, exp.Tuple):
        key = exp.Struct(expressions=key.expressions)
    guarded = exp.Case(ifs=[exp.If(this=exp.Not(this=exp.Is(this=value.copy(),
                                                              expression=exp.Null())),
                                   true=key)])
    return type(node)(this=value, expression=guarded)


def _ordered_first(order: exp.Order) -> exp.Expression:
    """``first(x ORDER BY keys)`` as the first of the sorted ``(keys…, x)`` structs."""
    keys: list[exp.Ordered] = list(order.expressions)
    fields = []
    for i, key in enumerate(keys):
        fields += [exp.Literal.string(f"k{i}"), key.this.copy()]
    fields += [exp.Literal.string("v"), order.this.copy()]
    # the first key that differs decides: coalesce(nullif(c0, 0), nullif(c1, 0), …, 0)
    compare = exp.Coalesce(
        this=exp.Nullif(this=_compare_key("k0", keys[0]), expression=exp.Literal.number(0)),
        expressions=[*(exp.Nullif(this=_compare_key(f"k{i}", key),
                                  expression=exp.Literal.number(0))
                       for i, key in enumerate(keys[1:], start=1)),
                     exp.Literal.number(0)])
    rows = exp.Anonymous(this="collect_list",
                         expressions=[exp.Anonymous(this="named_struct", expressions=fields)])
    comparator = exp.Lambda(this=compare, expressions=[exp.to_identifier("l"),
                                                       exp.to_identifier("r")])
    ordered = exp.Anonymous(this="array_sort", expressions=[rows, comparator])
    first = exp.Anonymous(this="element_at", expressions=[ordered, exp.Literal.number(1)])
    return exp.Dot(this=exp.Paren(this=first), expression=exp.to_identifier("v"))


def _compare_key(field: str, key: exp.Ordered) -> exp.Expression:
    """-1, 0 or 1 for one key of two structs ``l`` and ``r``: NULLs last unless the key says
    NULLS FIRST (DuckDB's default is NULLS LAST in both directions)."""
    desc = bool(key.args.get("desc"))
    nulls_first = bool(key.args.get("nulls_first"))
    left, right = f"l.{field}", f"r.{field}"
    null_left = -1 if nulls_first else 1
    smaller = 1 if desc else -1
    return sqlglot.parse_one(
        f"CASE WHEN {left} IS NULL AND {right} IS NULL THEN 0 "
        f"WHEN {left} IS NULL THEN {null_left} WHEN {right} IS NULL THEN {-null_left} "
        f"WHEN {left} < {right} THEN {smaller} WHEN {left} > {right} THEN {-smaller} "
        f"ELSE 0 END", read="spark")
