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
* ``date_diff('minute', a, b)`` counts minute boundaries crossed in DuckDB and whole minutes
  elapsed in Spark: both ends are truncated to the unit first;
* a decimal literal (``60.0``) is a DOUBLE, as DuckDB's arithmetic on it gives, not Spark's
  DECIMAL;
* ``list[i]`` with a computed ``i`` (DuckDB counts from 1, Spark's ``[]`` from 0) becomes
  ``element_at(list, i)``, which counts from 1;
* ``regexp_replace``: a group in the replacement is ``\\1`` in DuckDB and ``$1`` in Spark, and
  DuckDB replaces the first match only unless ``'g'`` (Spark: every match), so an unanchored
  pattern without ``'g'`` is refused;
* ``quantile_cont(x, q)`` becomes ``percentile(x, q)`` (the same interpolation), and
  ``to_minutes(n)`` and its kin ``make_dt_interval(…)``;
* ``time_bucket(interval 15 minute, ts)`` (no Spark function) becomes the hour of ``ts``
  plus its whole 15-minute buckets, for any bucket that divides an hour;
* ``arg_min(x, key)`` / ``arg_max`` skip the rows whose ``x`` is NULL in DuckDB and not in
  Spark's ``min_by`` / ``max_by``: the key is made NULL on those rows (Spark skips NULL keys);
  a row value key ``(a, b)`` (the smallest pair, compared field by field) becomes
  ``struct(a, b)``, which Spark orders the same way as long as no field is NULL (DuckDB puts
  a NULL field last, Spark first): coalesce the fields of a row key.

DuckDB macros (``pipelines/platform/sql/macros.sql``, created on every warehouse connection)
have no Spark counterpart a session could share, so they are expanded where they are called:
a scalar macro ``network_ticket(category)`` becomes its expression with the argument put in, a
table macro ``pool_outages('pool_windows', 'core.redundant_pools') o`` becomes its SELECT as a
subquery ``o``, each ``query_table(windows)`` in it reading the table the call names.

What cannot be written portably is refused with the reason (``UPDATE … FROM`` on a Parquet table:
Spark has no in-place update without a table format such as Delta, which this machine cannot
fetch); the engine that runs those statements must rebuild the table instead.

``tests/pipelines/test_sql_portability.py`` translates every SQL file under ``models/`` and,
where PySpark is installed (the ``spark`` extra), parses each statement with Spark's own
parser, so a new file that Spark cannot read fails a test, not a cluster run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel


class NotPortableError(ValueError):
    """A statement that has no Spark form (the message says which construct and why)."""


MACROS_SQL = Path(__file__).parent / "sql" / "macros.sql"


@dataclass(frozen=True)
class Macro:
    """One DuckDB macro: its parameters and body (an expression, or a SELECT for a table
    macro)."""

    name: str
    parameters: tuple[str, ...]
    body: exp.Expression
    table: bool


def read_macros(sql: str) -> dict[str, Macro]:
    """The ``create … macro`` statements of ``sql`` by name (lower case)."""
    macros = {}
    for tree in sqlglot.parse(sql, read="duckdb"):
        if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "MACRO":
            signature = tree.this
            name = signature.this.name.lower()
            body = tree.expression
            macros[name] = Macro(name, tuple(p.name for p in signature.expressions), body,
                                 isinstance(body, exp.Query))
    return macros


def project_macros() -> dict[str, Macro]:
    """The macros every warehouse connection defines (:data:`MACROS_SQL`)."""
    return read_macros(MACROS_SQL.read_text(encoding="utf-8"))


def spark_statements(sql: str, source: str = "<sql>",
                     macros: dict[str, Macro] | None = None) -> list[str]:
    """Every statement of the DuckDB SQL text ``sql`` as Spark SQL, in order, ``macros`` (by
    default the project's) expanded. ``source`` names the file in errors. Raises
    :class:`NotPortableError` for a construct Spark cannot run."""
    macros = project_macros() if macros is None else macros
    statements = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue
        if isinstance(tree, exp.Update) and tree.args.get("from_"):
            raise NotPortableError(f"{source}: UPDATE … FROM has no Spark form on Parquet "
                                   "tables (no in-place update without Delta or Iceberg); "
                                   "rebuild the table with CREATE OR REPLACE … AS SELECT "
                                   "instead")
        tree = tree.transform(lambda node: _expand(node, macros, source))
        tree = tree.transform(_rewrite)
        statements.append(tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE))
    return statements


def _expand(node: exp.Expression, macros: dict[str, Macro], source: str) -> exp.Expression:
    """A macro call replaced by the macro's body (expanded again: a macro may call another)."""
    if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
        macro = macros.get(node.this.name.lower())
        if macro is None or not macro.table:
            return node
        tables = {}
        for parameter, argument in zip(macro.parameters, _arguments(node.this, macro, source),
                                       strict=True):
            if not isinstance(argument, exp.Literal) or not argument.is_string:
                raise NotPortableError(f"{source}: {macro.name}() takes table names as "
                                       f"strings, got {argument.sql('duckdb')}")
            tables[parameter] = argument.this
        body = macro.body.copy().transform(lambda n: _query_table(n, tables))
        body = body.transform(lambda n: _expand(n, macros, source))
        return exp.Subquery(this=body, alias=node.args.get("alias"))
    if isinstance(node, exp.Anonymous):
        macro = macros.get(node.name.lower())
        if macro is None or macro.table:
            return node
        values = dict(zip(macro.parameters, _arguments(node, macro, source), strict=True))
        body = macro.body.copy().transform(
            lambda n: values[n.name].copy() if isinstance(n, exp.Column) and not n.table
            and n.name in values else n)
        return exp.Paren(this=body.transform(lambda n: _expand(n, macros, source)))
    return node


def _arguments(call: exp.Anonymous, macro: Macro, source: str) -> list[exp.Expression]:
    arguments = list(call.expressions)
    if len(arguments) != len(macro.parameters):
        raise NotPortableError(f"{source}: {macro.name}() takes {len(macro.parameters)} "
                               f"argument(s) ({', '.join(macro.parameters)}), "
                               f"got {len(arguments)}")
    return arguments


def _query_table(node: exp.Expression, tables: dict[str, str]) -> exp.Expression:
    """``query_table(windows)`` in a table macro's body → the table the call named."""
    if (isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous)
            and node.this.name.lower() == "query_table"):
        (parameter,) = node.this.expressions
        table = exp.to_table(tables[parameter.name])
        if node.args.get("alias"):
            table.set("alias", node.args["alias"])
        return table
    return node


@dataclass(frozen=True)
class SparkStep:
    """One step of a model on Spark: write the query ``sql`` as the table ``target``, or, when
    ``target`` is None, run ``sql`` as it is."""

    sql: str
    target: str | None = None


def spark_steps(sql: str, table: str, source: str = "<sql>",
                macros: dict[str, Macro] | None = None) -> list[SparkStep]:
    """The steps that build the model ``table`` from its DuckDB SQL file text ``sql``: each
    ``create or replace table T as <query>`` writes the query as ``T``; a bare query (a
    partitioned model's file) writes ``table``; ``create schema`` is the engine's to do."""
    macros = project_macros() if macros is None else macros
    steps = []
    for tree in sqlglot.parse(sql, read="duckdb"):
        if tree is None:
            continue
        if isinstance(tree, exp.Create) and str(tree.args.get("kind", "")).upper() == "SCHEMA":
            continue
        if isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query):
            target, query = tree.this.sql("duckdb"), tree.expression
        elif isinstance(tree, exp.Query):
            target, query = table, tree
        else:
            target, query = None, tree
        (statement,) = spark_statements(query.sql("duckdb"), source, macros)
        steps.append(SparkStep(statement, target))
    return steps


def spark_file(path: Path) -> list[str]:
    """:func:`spark_statements` of one SQL file."""
    return spark_statements(path.read_text(encoding="utf-8"), str(path))


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.First) and isinstance(node.this, exp.Order):
        return _ordered_first(node.this)
    if isinstance(node, (exp.ArgMin, exp.ArgMax)):
        return _arg_extreme(node)
    if isinstance(node, exp.DateBin):
        return _time_bucket(node)
    if isinstance(node, exp.DateDiff) and node.args.get("date_part_boundary"):
        return _boundaries_crossed(node)
    if (isinstance(node, exp.Literal) and not node.is_string
            and any(ch in node.this for ch in ".eE")):
        # 60.0 is a DECIMAL in Spark, and decimal arithmetic stays DECIMAL there; DuckDB's
        # division and averages give DOUBLE
        return exp.Cast(this=node.copy(), to=exp.DataType.build("double"))
    if (isinstance(node, exp.Bracket) and len(node.expressions) == 1
            and not isinstance(node.expressions[0], exp.Literal)):
        # list[i] with a computed i: DuckDB counts from 1, Spark's [] from 0 (sqlglot shifts
        # only literal indexes); element_at counts from 1 on both
        return exp.Anonymous(this="element_at", expressions=[node.this, node.expressions[0]])
    if isinstance(node, exp.RegexpReplace):
        return _regexp_replace(node)
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        # DuckDB's quantile_cont(x, q): Spark's percentile(x, q) interpolates the same way
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    if isinstance(node, exp.Anonymous) and node.name.lower() in _INTERVAL_OF:
        (amount,) = node.expressions
        return sqlglot.parse_one(_INTERVAL_OF[node.name.lower()].format(
            f"({amount.sql('spark')})"), read="spark")
    return node


# DuckDB's to_minutes(n) and the like: an interval of n units.
def _regexp_replace(node: exp.RegexpReplace) -> exp.Expression:
    """DuckDB's ``regexp_replace(x, pattern, replacement[, 'g'])`` on Spark: a group is ``\\1`` in
    DuckDB's replacement and ``$1`` in Spark's (Java's), and without ``'g'`` DuckDB replaces the
    first match only while Spark replaces every one, so that form is refused unless the pattern
    is anchored at both ends (it can match once at most)."""
    modifiers = node.args.get("modifiers")
    every = modifiers is not None and "g" in modifiers.name
    pattern = node.expression.name if isinstance(node.expression, exp.Literal) else None
    if not every and not (pattern and pattern.startswith("^") and pattern.endswith("$")):
        raise NotPortableError(f"regexp_replace(…, {node.expression.sql('duckdb')}, …) without "
                               "'g' replaces the first match only, which Spark cannot: anchor "
                               "the pattern (^…$) or replace every match ('g')")
    replacement = node.args["replacement"]
    if isinstance(replacement, exp.Literal) and replacement.is_string:
        text = re.sub(r"\\(\d)", r"$\1", replacement.name.replace("$", "\\$"))
        replacement = exp.Literal.string(text)
    return exp.Anonymous(this="regexp_replace", expressions=[
        node.this.copy(), node.expression.copy(), replacement.copy()])


_INTERVAL_OF = {
    "to_seconds": "MAKE_DT_INTERVAL(0, 0, 0, {})",
    "to_minutes": "MAKE_DT_INTERVAL(0, 0, {}, 0)",
    "to_hours": "MAKE_DT_INTERVAL(0, {}, 0, 0)",
    "to_days": "MAKE_DT_INTERVAL({}, 0, 0, 0)",
}


_TRUNCATED_UNITS = ("SECOND", "MINUTE", "HOUR", "DAY")


def _boundaries_crossed(node: exp.DateDiff) -> exp.Expression:
    """DuckDB's ``date_diff('minute', a, b)`` counts the minute boundaries between ``a`` and
    ``b`` (12:00:59 → 12:01:00 is 1); Spark's ``datediff(MINUTE, a, b)`` counts whole minutes
    elapsed (0). Truncating both to the unit first makes them the same count."""
    unit = node.args["unit"].name.upper()
    if unit not in _TRUNCATED_UNITS:
        raise NotPortableError(f"date_diff('{unit.lower()}', …): only "
                               f"{', '.join(u.lower() for u in _TRUNCATED_UNITS)} have a Spark "
                               "form here")
    return exp.DateDiff(
        this=exp.TimestampTrunc(this=node.this.copy(), unit=exp.var(unit)),
        expression=exp.TimestampTrunc(this=node.expression.copy(), unit=exp.var(unit)),
        unit=exp.var(unit))


_MINUTES = {"MINUTE": 1, "MINUTES": 1, "HOUR": 60, "HOURS": 60}


def _time_bucket(node: exp.DateBin) -> exp.Expression:
    """``time_bucket(interval N minute|hour, ts)`` for buckets that divide an hour, or one hour:
    the hour (``date_trunc``, which keeps the timestamp's type) plus the whole buckets of
    minutes into it. DuckDB's buckets start at its origin (2000-01-03 00:00), so within an hour
    they fall on the same minutes."""
    interval, moment = node.this, node.expression
    text = interval.this.name if isinstance(interval, exp.Interval) else ""
    unit = interval.args.get("unit").name.upper() if interval.args.get("unit") else ""
    if not unit and " " in text:
        text, unit = text.split(" ", 1)
        unit = unit.upper()
    if not text.isdigit() or unit not in _MINUTES or 60 % (int(text) * _MINUTES[unit]):
        raise NotPortableError(f"time_bucket({interval.sql('duckdb')}, …): only buckets that "
                               "divide an hour have a Spark form here")
    minutes = int(text) * _MINUTES[unit]
    ts = moment.sql("spark")
    hour = f"DATE_TRUNC('HOUR', {ts})"
    if minutes == 60:
        return sqlglot.parse_one(hour, read="spark")
    return sqlglot.parse_one(f"{hour} + MAKE_INTERVAL(0, 0, 0, 0, 0, "
                             f"CAST(FLOOR(MINUTE({ts}) / {minutes}) * {minutes} AS INT), 0)",
                             read="spark")


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
