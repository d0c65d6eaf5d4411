"""The Spark engine: the transform stage (every model of the graph) run on Apache Spark, for an
operator whose data outgrows one machine (issue 15). The one module that opens Spark.

What runs where:

* ingest stays in DuckDB (per-file contracts, quarantine and bookkeeping); the staging tables
  it fills are handed to Spark as Parquet (:func:`export_staging`);
* every model runs on Spark from its SQL file, translated by :mod:`cxbridge.platform.spark_sql`
  (the files stay the single source): a whole model is written as one Parquet table, a
  partitioned one as a Parquet table partitioned by ``date``; a model's Python step (the
  experience index, …) runs on the executors, one day per call for a partitioned model
  (``groupBy(date).applyInArrow``: the DuckDB runner's batches are whole days too), the whole
  table at once for a whole one (they are small: parameters, cell summaries);
* the results come back into the DuckDB warehouse (:func:`import_tables`), where each is
  audited against its grain as on DuckDB, and the job goes on as usual (churn, incidents,
  publish; the dashboard reads the published snapshot in DuckDB as today).

The Spark session comes from ``[engine] spark`` in ``cxbridge.toml`` (or
``CXBRIDGE_ENGINE_SPARK``): ``local[*]`` (the default: this machine's cores), a cluster master
(``spark://host:7077``, ``yarn``) or a Spark Connect URL (``sc://host:15002``). On a cluster the
executors need cxbridge installed (the Python steps import it) and the work folder must be on
storage every node sees. PySpark is an optional dependency: ``pip install -e ".[spark]"``.

Incremental builds: Spark's tables stay in the work folder between runs. When they are those
of the warehouse's last build (:class:`SparkRunner` records each build's digest in
``build-state.json`` once the warehouse has recorded the build), a run with new days rebuilds
only those days: a partitioned model's new rows replace just their ``date`` partitions (dynamic
partition overwrite), a whole model is rebuilt. Otherwise (the first run, a DuckDB build in
between, an interrupted Spark build) every day is rebuilt. ``cxbridge run --engine spark``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa

from cxbridge.platform.errors import UserError
from cxbridge.platform.model_graph import Model, ModelGraph
from cxbridge.platform.spark_sql import spark_steps
from cxbridge.platform.warehouse import rows

SCHEMAS = ("stg", "core", "marts", "measured", "incidents", "experience")


class SparkEngineError(UserError):
    """Spark cannot be used (PySpark missing, no Java, a master that does not answer), or a
    model failed on it; the message names the model and Spark's reason."""


@dataclass(frozen=True)
class SparkConfig:
    """Where Spark runs and where its tables live."""

    master: str = "local[*]"
    work_dir: Path = Path("spark")
    shuffle_partitions: int = 8


def open_session(config: SparkConfig):
    """A Spark session for ``config`` (a Spark Connect session for an ``sc://`` URL). Timestamps
    without a time zone stay so (``TIMESTAMP_NTZ``, as DuckDB's ``timestamp``), the session's
    zone is UTC, and a partitioned write replaces only the partitions it writes."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkEngineError("the Spark engine needs PySpark: pip install -e '.[spark]' "
                               "(and Java 17)") from None
    builder = SparkSession.builder.appName("cxbridge")
    if config.master.startswith("local"):
        # the Python steps run in this interpreter's environment, where cxbridge is (PySpark
        # reads the variable when it starts; on a cluster the operator sets it per node)
        os.environ["PYSPARK_PYTHON"] = sys.executable
    if config.master.startswith("sc://"):
        builder = builder.remote(config.master)
    else:
        quiet = _quiet_logging(config.work_dir)
        builder = (builder.master(config.master)
                   .config("spark.ui.enabled", "false")
                   .config("spark.driver.extraJavaOptions",
                           f"-Dlog4j2.configurationFile={quiet.as_uri()}")

                   .config("spark.sql.warehouse.dir", str(config.work_dir / "warehouse")))
    builder = (builder.config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.timestampType", "TIMESTAMP_NTZ")
               .config("spark.sql.shuffle.partitions", str(config.shuffle_partitions))
               .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
               .config("spark.ui.showConsoleProgress", "false"))
    try:
        session = builder.getOrCreate()
    except Exception as error:  # Java missing, a master that does not answer …
        raise SparkEngineError(f"cannot start Spark at {config.master!r}: "
                               f"{' '.join(str(error).split())[:300]}") from error
    if not config.master.startswith("sc://"):
        session.sparkContext.setLogLevel("ERROR")
    for schema in SCHEMAS:
        session.sql(f"create database if not exists {schema}")
    return session


# Spark's own log: errors only (its default prints warnings and a banner into the CLI's output)
_LOG4J2 = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark: %p %c{1}: %m%n
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = error
"""


def _quiet_logging(work_dir: Path) -> Path:
    """The log4j2 configuration the driver starts with (written into the work folder)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    path = (work_dir / "log4j2.properties").resolve()
    path.write_text(_LOG4J2, encoding="utf-8")
    return path


def export_staging(con: duckdb.DuckDBPyConnection, folder: Path) -> list[str]:
    """Write every staging table of the warehouse to ``folder/<table>.parquet``; returns the
    tables (``stg.usage``, …)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    tables = [f"stg.{name}" for (name,) in rows(
        con, "select table_name from information_schema.tables where table_schema = 'stg' "
             "order by 1")]
    for table in tables:
        con.execute(f"copy {table} to '{folder / (table + '.parquet')}' (format parquet)")
    return tables


def register_staging(spark, folder: Path, tables: Iterable[str]) -> None:
    """Make the exported staging tables Spark tables of the same names."""
    for table in tables:
        spark.sql(f"drop table if exists {table}")
        spark.catalog.createTable(table, path=str(folder / f"{table}.parquet"),
                                  source="parquet")


def build(spark, graph: ModelGraph, config: SparkConfig, days: Iterable[date],
          on_model: Callable[[str], None] | None = None,
          incremental: bool = False) -> dict[str, pa.Schema]:
    """Build every model of ``graph`` (in its run order) on Spark for ``days``; returns each
    table written with its columns (in the model's order) and types. ``incremental``: a
    partitioned model's rows replace only the partitions of ``days`` in its existing table. A
    model that fails stops the build, naming the model and Spark's reason."""
    spark.createDataFrame([(d,) for d in sorted(days)], "date date") \
        .createOrReplaceTempView("_scope")
    built: dict[str, pa.Schema] = {}
    for model in graph.models:
        try:
            built.update(_build_model(spark, graph, model, config,
                                      sorted(days) if incremental else None))
        except SparkEngineError:
            raise
        except Exception as error:
            reason = " ".join(str(error).split()) or repr(error)
            raise SparkEngineError(f"{model.label} failed on Spark: {reason[:600]}") from error
        if on_model:
            on_model(model.label)
    return built


def _build_model(spark, graph: ModelGraph, model: Model, config: SparkConfig,
                 only_days: list[date] | None) -> dict[str, pa.Schema]:
    """Run ``model``'s steps; its table is rewritten whole, or (``only_days``, a partitioned
    model whose table exists) only those days' partitions are: removed first, so a day that now
    has no rows has none on Spark either, as on DuckDB."""
    steps = spark_steps(model.sql.read_text(encoding="utf-8"), model.table, str(model.sql))
    written = {}
    for step in steps:
        if step.target is None:
            spark.sql(step.sql)
            continue
        frame = spark.sql(step.sql)
        if model.python and step.target == model.table:
            frame = _python_step(spark, graph, model, frame)
        partitioned = model.partitioned and step.target == model.table
        _write_table(spark, table_folder(config, step.target), step.target, frame,
                     partitioned, only_days)
        written[step.target] = _arrow_schema(frame.schema)
    return written


def _write_table(spark, folder: Path, table: str, frame, partitioned: bool,
                 only_days: list[date] | None) -> None:
    """Write ``frame`` as ``table``'s Parquet files in ``folder`` and (re)register the table
    over them. Spark's session catalog forgets its tables when the session ends, so the tables
    are external: the files are the state an incremental build continues from, and a new
    session registers them again."""
    if partitioned and only_days is not None and folder.is_dir():
        for day in only_days:
            shutil.rmtree(folder / f"date={day.isoformat()}", ignore_errors=True)
        frame.write.mode("append").partitionBy("date").parquet(str(folder))
    elif partitioned:
        shutil.rmtree(folder, ignore_errors=True)  # days no longer built must go too
        frame.write.mode("overwrite").partitionBy("date").parquet(str(folder))
    else:
        frame.write.mode("overwrite").parquet(str(folder))
    fields = [f for f in frame.schema.fields if not (partitioned and f.name == "date")]
    if partitioned:
        fields.append(frame.schema["date"])
    columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in fields)
    spark.sql(f"drop table if exists {table}")
    spark.sql(f"create table {table} ({columns}) using parquet "
              + ("partitioned by (date) " if partitioned else "")
              + f"location '{folder.resolve().as_uri()}'")
    if partitioned:
        spark.sql(f"alter table {table} recover partitions")


def _arrow_schema(schema) -> pa.Schema:
    """A Spark schema as Arrow's: the columns in the model's order with their types, which an
    empty partitioned table (a feed that never arrived) has no file to carry."""
    from pyspark.sql.pandas.types import to_arrow_schema

    arrow = to_arrow_schema(schema, timezone="UTC")
    # the session's zone is UTC and DuckDB's model tables hold naive UTC times: so do these
    return pa.schema([pa.field(f.name, pa.timestamp(f.type.unit))
                      if pa.types.is_timestamp(f.type) else f for f in arrow])


def _python_step(spark, graph: ModelGraph, model: Model, frame):
    """``model``'s Python step where the data is: per day for a partitioned model, on the whole
    (small) table for a whole one. The output's schema is the step's answer to no rows."""
    import polars as pl
    import pyarrow as pa
    from pyspark.sql.pandas.types import from_arrow_schema, to_arrow_schema

    step = graph.steps[model.python]
    empty = pl.from_arrow(to_arrow_schema(frame.schema, timezone="UTC").empty_table())
    schema = step(empty).to_arrow().schema
    schema = pa.schema([pa.field(f.name, pa.string() if pa.types.is_large_string(f.type)
                                 else f.type) for f in schema])

    def apply(table: pa.Table) -> pa.Table:
        return step(pl.from_arrow(table)).to_arrow().cast(schema)

    if model.partitioned:
        return frame.groupBy("date").applyInArrow(apply, from_arrow_schema(schema))
    return spark.createDataFrame(apply(frame.toArrow()), from_arrow_schema(schema))


def table_folder(config: SparkConfig, table: str) -> Path:
    """Where Spark's session catalog keeps ``table``'s Parquet files."""
    schema, name = table.split(".")
    return config.work_dir / "warehouse" / f"{schema}.db" / name


def import_tables(con: duckdb.DuckDBPyConnection, config: SparkConfig,
                  tables: dict[str, pa.Schema]) -> None:
    """Replace each table in the DuckDB warehouse with Spark's result, its columns in the
    model's order (a partitioned table's ``date`` comes back from its folder names). A table
    with no rows has no Parquet file when partitioned: it comes back empty, with its columns."""
    for table, schema in tables.items():
        files = table_folder(config, table)
        con.execute(f"create schema if not exists {table.split('.')[0]}")
        if not any(files.rglob("*.parquet")):
            con.register("_spark_empty", schema.empty_table())
            try:
                con.execute(f"create or replace table {table} as select * from _spark_empty")
            finally:
                con.unregister("_spark_empty")
            continue
        selected = ", ".join('cast("date" as date) as "date"' if c == "date" else f'"{c}"'
                             for c in schema.names)
        con.execute(f"create or replace table {table} as select {selected} from read_parquet("
                    f"'{files}/**/*.parquet', hive_partitioning = true)")


@dataclass(frozen=True)
class SparkRunner:
    """The transform's model runner on Spark (:class:`cxbridge.platform.transform.ModelRunner`):
    hand the staging tables over, build the models (every day, or only the new days when Spark's
    tables are those of the warehouse's last build), bring the results back. The session is
    started for the build and stopped after it (a Spark Connect session is only closed)."""

    config: SparkConfig

    @property
    def state_file(self) -> Path:
        return self.config.work_dir / "build-state.json"

    def continues_from(self, build: str) -> bool:
        try:
            state = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return bool(build) and state.get("build") == build

    def record(self, build: str) -> None:
        """Write the build's digest (replacing the file, so a kill leaves the old or the new)."""
        self.config.work_dir.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(json.dumps({"build": build}) + "\n", encoding="utf-8")
        os.replace(partial, self.state_file)

    def __call__(self, con: duckdb.DuckDBPyConnection, graph: ModelGraph,
                 days: tuple[date, ...], on_model: Callable[[str], None] | None,
                 incremental: bool) -> None:
        self.record("")  # under way: Spark's tables match no build until this one is recorded
        staging = self.config.work_dir / "staging"
        tables = export_staging(con, staging)
        spark = open_session(self.config)
        try:
            register_staging(spark, staging, tables)
            built = build(spark, graph, self.config, days, on_model, incremental)
        finally:
            spark.stop()
        import_tables(con, self.config, built)


def runner(config: SparkConfig) -> SparkRunner:
    return SparkRunner(config)
