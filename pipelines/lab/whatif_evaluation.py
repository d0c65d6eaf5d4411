"""``cxbridge evaluate`` section ``what_if``: the planned-work projection against the truth.

For every planned maintenance the generator injected (``_truth/incidents.csv`` with
``planned``), the projection (:mod:`cxbridge.models.whatif.planned`) is run as operations would
have run it before the work: on the work's resource (its root) and window, reading the traffic
shares of the work's first day (computed from the week before it: what was known before the
work began). Its services and customers are compared with those the
truth says the work really hurt (``incident_services.parquet``; a service's customer from
``core.cfs``). Issue 19's target: customers affected exactly equal to the truth.

Figures: ``planned_works``; ``planned_services_exact`` and ``planned_customers_exact`` (how many
works match exactly), their rates, and per mismatch the counts on both sides with the services
missed and added by CFS type (and, for those added, how the projection reached them), which
says why.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cxbridge.lab.evaluate import TruthError
from cxbridge.models.whatif.planned import PlannedWork, affected_services
from cxbridge.platform.warehouse import query, table_exists

STAMP = "%Y-%m-%dT%H:%M:%SZ"


def planned_truth(truth_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The planned works (incident id, root, start, end) and the services each truly hurt."""
    paths = {name: truth_dir / name for name in ("incidents.csv", "incident_services.parquet")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise TruthError(f"{truth_dir} lacks {', '.join(missing)}: point it at the _truth/ "
                         "folder of a world written by `cxbridge generate`")
    works = (pl.read_csv(paths["incidents.csv"], schema_overrides={"start": pl.String,
                                                                   "end": pl.String})
             .filter(pl.col("planned"))
             .select("incident_id", "root_resource_id",
                     pl.col("start").str.to_datetime(STAMP).alias("start"),
                     pl.col("end").str.to_datetime(STAMP).alias("end"))
             .sort("start", "incident_id"))
    services = (pl.read_parquet(paths["incident_services.parquet"])
                .filter(pl.col("incident_id").is_in(works["incident_id"].implode()))
                .select("incident_id", "service_id").unique())
    return works, services


def compare(projected: pl.DataFrame, true_services: pl.DataFrame,
            customers_of: pl.DataFrame) -> dict:
    """One work's projected services (service_id, customer_id, cfs_type, via) against the
    true ones (service_id), customers mapped by ``customers_of`` (service_id, customer_id,
    cfs_type). Pure."""
    truth = true_services.join(customers_of, on="service_id", how="left")
    p_services, t_services = set(projected["service_id"]), set(truth["service_id"])
    p_customers = set(projected["customer_id"])
    t_customers = set(truth["customer_id"].drop_nulls())
    missed = truth.filter(pl.col("service_id").is_in(sorted(t_services - p_services)))
    added = projected.filter(pl.col("service_id").is_in(sorted(p_services - t_services)))
    return {
        "projected_services": len(p_services), "true_services": len(t_services),
        "projected_customers": len(p_customers), "true_customers": len(t_customers),
        "services_exact": p_services == t_services,
        "customers_exact": p_customers == t_customers,
        "missed_by_type": dict(sorted(missed.group_by("cfs_type").len().iter_rows())),
        "added_by_type_and_via": {f"{t} via {v}": n for t, v, n in sorted(
            added.group_by("cfs_type", "via").len().iter_rows())},
    }


def evaluate_planned(con, truth_dir: Path) -> dict:
    """The ``what_if`` figures of planned work (see the module docstring)."""
    if not table_exists(con, "core.cfs_resources"):
        raise TruthError("this warehouse has no service model to project planned work on: "
                         "run `cxbridge run` first")
    works, true_services = planned_truth(truth_dir)
    customers_of = query(con, "select service_id, customer_id, cfs_type from core.cfs")
    results = []
    for work in works.iter_rows(named=True):
        hours = (work["end"] - work["start"]).total_seconds() / 3600
        projected = affected_services(con, PlannedWork((work["root_resource_id"],),
                                                       work["start"], hours))
        truth = true_services.filter(pl.col("incident_id") == work["incident_id"])
        results.append({"incident_id": work["incident_id"],
                        "resource_id": work["root_resource_id"],
                        "start": work["start"].strftime(STAMP), "hours": round(hours, 2),
                        **compare(projected, truth, customers_of)})
    total = len(results)
    services_exact = sum(r["services_exact"] for r in results)
    customers_exact = sum(r["customers_exact"] for r in results)
    return {
        "planned_works": total,
        "planned_services_exact": services_exact,
        "planned_customers_exact": customers_exact,
        "planned_services_exact_rate": round(services_exact / total, 4) if total else None,
        "planned_customers_exact_rate": round(customers_exact / total, 4) if total else None,
        "planned_customers_projected": sum(r["projected_customers"] for r in results),
        "planned_customers_true": sum(r["true_customers"] for r in results),
        "planned_mismatches": [r for r in results
                               if not (r["services_exact"] and r["customers_exact"])],
        "planned_works_compared": [{k: r[k] for k in (
            "incident_id", "resource_id", "start", "hours", "projected_customers",
            "true_customers", "projected_services", "true_services")} for r in results],
    }
