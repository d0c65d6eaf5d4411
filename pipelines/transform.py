"""SQL transforms: staging → core → marts, one model per SQL file, run in dependency order."""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from pipelines.warehouse import execute_sql_file, table_exists

# In dependency order. Each file creates or replaces one table; its first comment states its grain.
MODELS: tuple[str, ...] = (
    "core/cfs.sql",
    "core/resource_ancestors.sql",
    "core/cfs_resources.sql",
    "core/cfs_access.sql",
    "core/cfs_cell_shares.sql",
    "core/kpi_resource_daily.sql",
    "marts/service_daily.sql",
    "marts/kpi_daily.sql",
)

# Models that run only when the staging table they read has been loaded.
OPTIONAL_MODELS: dict[str, str] = {
    "core/alarms.sql": "stg.alarm_events",
    "core/service_fault_days.sql": "stg.alarm_events",  # after core/alarms.sql
    "core/ue_cell_kpi_15min.sql": "stg.ue_measurements",
}

REQUIRED_STAGING = ("stg.catalog_specs", "stg.customers", "stg.services", "stg.service_links",
                    "stg.service_resources", "stg.resources", "stg.kpi_15min", "stg.usage")

# What readers (the dashboard, notebooks) see, copied into each published snapshot.
PUBLISHED: tuple[str, ...] = ("marts.service_daily", "marts.kpi_daily", "marts.snapshot_info")


class TransformError(RuntimeError):
    """The transforms cannot run; the message says what is missing."""


def build(con: duckdb.DuckDBPyConnection,
          on_model: Callable[[str], None] | None = None) -> None:
    missing = [t for t in REQUIRED_STAGING if not table_exists(con, t)]
    if missing:
        raise TransformError(
            f"cannot build the marts: nothing was ever loaded into {', '.join(missing)}. "
            "Ingest those sources first (cxbridge run --raw DIR, or cxbridge generate)")
    for model in MODELS:
        execute_sql_file(con, model)
        if on_model:
            on_model(model)
    for model, needs in OPTIONAL_MODELS.items():
        if table_exists(con, needs):
            execute_sql_file(con, model)
