"""The declared model graph: every SQL model says in its header what it builds, how, at which
grain, from which tables and feeds; the run order, the checks and the audits come from that.

A model file (``<folder>/<schema>/<table>.sql``, beside the code of the model package it belongs
to; the file name is the table) opens with::

    -- model: core.access_daily          the table it builds (must match the file's path)
    -- kind: partitioned                  whole | partitioned (one slice per `date`)
    -- grain: resource_id, date           the columns that make a row unique
    -- not_null: resource_id, date        columns that may never be NULL (default: none)
    -- inputs: core.access_hourly         every table its SQL reads
    -- feeds: kpis                        the feeds it needs; a|b: either will do
    -- python: experience.sei              optional: a named frame → frame step on its SELECT
    -- python_batch: rows                 optional: days (default) | rows, see below

A Python step sees a batch of its SELECT's rows at a time, never the whole table: by default
the rows of a few days (a day's rows may depend on each other), with ``python_batch: rows``
a bounded number of rows (:data:`cxbridge.platform.transform.PYTHON_BATCH_ROWS`), for a step
that scores each row on its own, so that its memory does not grow with the customer count.

:func:`read_models` reads them, :func:`in_run_order` orders them by their inputs (refusing
a cycle or an input nobody builds), :func:`check_inputs` refuses SQL that reads a table its
header does not declare, and :func:`audit` checks a built table against its grain and its
not-null columns, as dbt tests and SQLMesh audits do: a failed audit stops the build before
anything is published, saying which model, which key and how many rows. :func:`mermaid` draws
the graph for the README.

A model may also read a table one of the job's later stages builds in Python (the churn scores,
the incident models: the graph's ``stage_tables``). It cannot run with the transforms, before
that stage: it and every model reading it are the graph's ``after_stages``, whole models the
job builds when it publishes (:func:`cxbridge.platform.transform.build_after_stages`).

The platform knows no model: the models layer composes a :class:`ModelGraph` (its folders, its
named Python steps and the tables its later stages build, :mod:`cxbridge.models.graph`) and
hands it to the runner (:func:`cxbridge.platform.transform.build`).
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from cxbridge.platform.errors import UserError
from cxbridge.platform.settings import PROJECT_ROOT
from cxbridge.platform.warehouse import quote_identifier, rows

KINDS = ("whole", "partitioned")
# the package of the models' code: a Python step's files are its modules (step_files)
STEP_PACKAGE = "cxbridge.models"
_KEYS = ("model", "kind", "grain", "not_null", "inputs", "feeds", "python", "python_batch")
PYTHON_BATCHES = ("days", "rows")
_REQUIRED = ("model", "kind", "grain", "inputs", "feeds")
# a table a model's SQL may read: a schema the warehouse holds, then a name
_TABLE = re.compile(r"\b((?:stg|core|marts|measured|incidents|meta)\.[a-z_0-9]+)\b")


class ModelGraphError(UserError, ValueError):
    """A model header, the graph or a built table that is not as declared; the message says
    which model and what to fix."""


@dataclass(frozen=True)
class Model:
    sql: Path                                     # the file: <folder>/<schema>/<table>.sql
    table: str                                    # the table it builds
    kind: str = "whole"
    grain: tuple[str, ...] = ()
    not_null: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    # the feeds (ingest sources) whose rows it is built from: every entry must have been loaded
    # for the table to mean anything; an entry that is a tuple is met by any one of its feeds.
    # Without them the model still runs, on empty staging tables, and builds an empty table
    # (pipelines/jobs/capabilities.py tells the user).
    feeds: tuple[str | tuple[str, ...], ...] = ()
    python: str | None = None                     # the name of a frame → frame step
    python_batch: str = "days"                    # what a batch of the step's rows is

    @property
    def partitioned(self) -> bool:
        return self.kind == "partitioned"

    @property
    def label(self) -> str:
        """The file as a person finds it: relative to the project when it is in it."""
        return _label(self.sql)


def _label(path: Path) -> str:
    return (path.relative_to(PROJECT_ROOT).as_posix() if path.is_relative_to(PROJECT_ROOT)
            else path.as_posix())


Step = Callable[[object], object]   # a polars frame in, a polars frame out


@dataclass(frozen=True)
class ModelGraph:
    """The models in run order and the Python steps they name: what the runner runs.
    ``models`` is the transform pass; ``after_stages`` the models that read a table a later
    stage of the job builds (``stage_tables``: table → stage), in run order, built when the
    job publishes."""
    models: tuple[Model, ...]
    steps: Mapping[str, Step]
    after_stages: tuple[Model, ...] = ()
    stage_tables: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_folders(cls, folders: Iterable[Path], steps: Mapping[str, Step],
                     stage_tables: Mapping[str, str] | None = None) -> ModelGraph:
        """Every model in ``folders`` (each holds ``<schema>/<table>.sql`` files), checked and
        ordered; a model naming a step not in ``steps`` is refused. ``stage_tables``: the
        tables the job's later stages build (table → stage), which a model may read."""
        stage_tables = dict(stage_tables or {})
        models = read_models(folders, stage_tables)
        for model in models:
            if model.python and model.python not in steps:
                raise ModelGraphError(
                    f"{model.label}: its -- python: step {model.python!r} is not one the graph "
                    f"knows ({', '.join(sorted(steps)) or 'none'}); name one of them or add it "
                    "to cxbridge.models.graph.STEPS")
        late: set[str] = set()
        for model in models:  # in run order: a model comes after every model it reads
            if any(t in stage_tables or t in late for t in model.inputs):
                if model.partitioned or model.python:
                    raise ModelGraphError(
                        f"{model.label} reads what a later stage of the job builds "
                        f"({', '.join(t for t in model.inputs if t in stage_tables or t in late)})"
                        ", so it runs when the job publishes, rebuilt whole every time: make it "
                        "a whole SQL model (-- kind: whole, no -- python: step)")
                late.add(model.table)
        return cls(tuple(m for m in models if m.table not in late), dict(steps),
                   tuple(m for m in models if m.table in late), stage_tables)

    @property
    def every_model(self) -> tuple[Model, ...]:
        """The transform pass, then the models built after the later stages."""
        return self.models + self.after_stages

    def apply(self, model: Model, frame):
        """``model``'s Python step on the frame its SELECT gave."""
        return self.steps[model.python](frame)

    def code_files(self) -> tuple[Path, ...]:
        """What the transform pass runs, as files: every model's SQL, then the source of each
        Python step they name (:func:`step_files`), each file once. A change to any of them
        changes what the models build (the runner's build digest). The models built after
        the later stages are rebuilt whole every time: not in it."""
        files = [m.sql for m in self.models]
        for name in sorted({m.python for m in self.models if m.python}):
            files.extend(step_files(self.steps[name]))
        return tuple(dict.fromkeys(files))

    def __len__(self) -> int:
        return len(self.models)


def step_files(step: Step, package: str = STEP_PACKAGE) -> tuple[Path, ...]:
    """The source files of a Python step: the module that defines it (through a
    ``functools.partial``) and every module of ``package`` it imports, directly or through
    another (read from their ``import`` statements, not by importing them), sorted.
    Platform modules it may import (errors, settings) are not the model's code: left out."""
    while isinstance(step, functools.partial):
        step = step.func
    found: dict[str, Path] = {}
    todo = [step.__module__]
    while todo:
        name = todo.pop()
        if name in found or not (name == package or name.startswith(package + ".")):
            continue
        origin = _module_file(name)
        if origin is None:  # a name imported from a module, not a module
            continue
        found[name] = origin
        for node in ast.walk(ast.parse(origin.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                todo += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                todo += [a.name for a in node.names]
    return tuple(sorted(found.values()))


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):  # a dotted name below a module, not a package
        return None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    return Path(spec.origin)


def parse_header(path: Path, text: str) -> Model:
    """The model a file declares in its leading ``-- key: value`` lines (a value may go on in
    lines that start with ``--`` and some spaces)."""
    values: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        found = re.match(r"^--\s*([a-z_]+):\s*(.*)$", line)
        if found and found.group(1) in _KEYS:
            key = found.group(1)
            values[key] = found.group(2).strip()
        elif key and re.match(r"^--\s{2,}\S", line):
            values[key] += " " + line[2:].strip()
        else:
            break
    relative = _label(path)
    missing = [k for k in _REQUIRED if k not in values]
    if missing:
        raise ModelGraphError(f"{relative}: the model header lacks {', '.join(missing)}; a model "
                              f"file opens with -- model:, -- kind:, -- grain:, -- inputs: and "
                              f"-- feeds: lines (see pipelines/platform/model_graph.py)")
    table = values["model"]
    if f"{path.parent.name}.{path.stem}" != table:
        raise ModelGraphError(f"{relative}: declares the model {table}, whose file must be "
                              f"{table.replace('.', '/')}.sql (one table per file, named after it)")
    if values["kind"] not in KINDS:
        raise ModelGraphError(f"{relative}: kind is {values['kind']!r}; allowed: "
                              f"{', '.join(KINDS)}")

    def names(key: str) -> tuple[str, ...]:
        return tuple(n.strip() for n in values.get(key, "").split(",") if n.strip())

    feeds = tuple(f if "|" not in f else tuple(f.split("|")) for f in names("feeds"))
    batch = values.get("python_batch") or "days"
    if batch not in PYTHON_BATCHES or (batch != "days" and not values.get("python")):
        raise ModelGraphError(f"{relative}: python_batch is {batch!r}; allowed, with a -- python: "
                              f"step: {', '.join(PYTHON_BATCHES)} (rows: the step scores each "
                              "row on its own)")
    return Model(sql=path, table=table, kind=values["kind"], grain=names("grain"),
                 not_null=names("not_null"), inputs=names("inputs"), feeds=feeds,
                 python=values.get("python") or None, python_batch=batch)


def read_models(folders: Iterable[Path], external: Iterable[str] = ()) -> tuple[Model, ...]:
    """Every model in ``folders`` (each holds ``<schema>/<table>.sql``), in run order;
    ``external``: tables built outside the graph that a model may read."""
    found = [parse_header(path, path.read_text(encoding="utf-8"))
             for folder in folders for path in sorted(folder.glob("*/*.sql"))]
    tables = [m.table for m in found]
    twice = sorted({t for t in tables if tables.count(t) > 1})
    if twice:
        raise ModelGraphError(f"more than one file builds {', '.join(twice)}: "
                              + "; ".join(m.label for m in found if m.table in twice))
    check_inputs(found)
    return in_run_order(found, external)


def check_inputs(models: Iterable[Model]) -> None:
    """Refuse a model whose SQL reads a table its header does not declare, or declares one its
    SQL does not read: the order and the incremental scope depend on the declarations."""
    for model in models:
        sql = "\n".join(line.split("--")[0]
                        for line in model.sql.read_text(encoding="utf-8").splitlines())
        read = set(_TABLE.findall(sql)) - {model.table}
        undeclared, unread = sorted(read - set(model.inputs)), sorted(set(model.inputs) - read)
        if undeclared:
            raise ModelGraphError(f"{model.label} reads {', '.join(undeclared)} but does not "
                                  "declare it: add it to its -- inputs: line")
        if unread:
            raise ModelGraphError(f"{model.label} declares {', '.join(unread)} as inputs but does "
                                  "not read it: take it off its -- inputs: line")


def in_run_order(models: Iterable[Model], external: Iterable[str] = ()) -> tuple[Model, ...]:
    """``models`` so that each comes after the models it reads (ties: by file, so the order
    is the same on every machine). Inputs that no model builds must be staging tables or
    ``external`` (built outside the graph, by a later stage of the job)."""
    by_table = {m.table: m for m in models}
    external = set(external)
    for model in by_table.values():
        unknown = [t for t in model.inputs
                   if t not in by_table and t not in external and not t.startswith("stg.")]
        if unknown:
            raise ModelGraphError(f"{model.label} reads {', '.join(unknown)}, which no model "
                                  "builds and no feed loads")
    ordered: list[Model] = []
    done: set[str] = set()
    waiting = sorted(by_table.values(), key=lambda m: m.label)
    while waiting:
        ready = [m for m in waiting if all(t in done or t not in by_table for t in m.inputs)]
        if not ready:
            cycle = " → ".join(m.table for m in waiting)
            raise ModelGraphError(f"the models {cycle} read each other in a cycle: one of them "
                                  "must not read the others")
        ordered.extend(ready)
        done.update(m.table for m in ready)
        waiting = [m for m in waiting if m.table not in done]
    return tuple(ordered)


def audit(con: duckdb.DuckDBPyConnection, model: Model, scoped: bool = False) -> None:
    """Check the built table against its declared grain and not-null columns (only the days in
    ``_scope`` when ``scoped``); a :class:`ModelGraphError` naming the model, the key and how
    many rows, else nothing."""
    table = quote_identifier(model.table)
    where = " where date in (select date from _scope)" if scoped and model.partitioned else ""
    if model.grain:
        grain = ", ".join(model.grain)
        found = rows(con, f"select count(*), sum(n), any_value(example) from ("
                          f"select count(*) as n, cast(({grain}) as varchar) as example "
                          f"from {table}{where} group by {grain} having count(*) > 1)")[0]
        if found[0]:
            raise ModelGraphError(
                f"audit of {model.table} failed: {found[0]:,} value(s) of its grain ({grain}) "
                f"hold more than one row ({found[1]:,} rows; e.g. {found[2]}). Fix {model.label} "
                "or its inputs; nothing was published")
    for column in model.not_null:
        nulls = rows(con, f"select count(*) from {table}{where}"
                          f"{' and' if where else ' where'} {column} is null")[0][0]
        if nulls:
            raise ModelGraphError(f"audit of {model.table} failed: {nulls:,} row(s) have no "
                                  f"{column}. Fix {model.label} or its inputs; nothing was "
                                  "published")


def mermaid(models: Iterable[Model]) -> str:
    """The graph as a Mermaid flowchart: every table once (named as in the warehouse), then
    each model from its inputs."""
    models = tuple(models)
    tables = sorted({t for m in models for t in (*m.inputs, m.table)})

    def node(table: str) -> str:
        return table.replace(".", "_")

    lines = ["flowchart LR"]
    lines += [f'    {node(t)}["{t}"]' for t in tables]
    lines += [f"    {node(source)} --> {node(m.table)}" for m in models for source in m.inputs]
    return "\n".join(lines) + "\n"
