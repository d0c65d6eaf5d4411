"""Ground truth the pipeline never reads: what really happened, to prove the models right.

- ``incidents.csv``: every injected incident, alarmed or silent, with whether it truly hurt
  any customer and how many alarms it raised;
- ``incident_resources.csv`` (extra): the resources each incident took out or degraded;
- ``incident_services.parquet``: per incident, service and day the minutes of impact;
- ``service_day_impact.parquet``: every degraded service-day from any cause;
- ``churn.csv``: every customer whose services ended in the window, with the main cause
  (the largest contribution to the decision) and ``network_share``, the network causes' share
  of all contributions (a price churner may have had outages too);
- ``actions.csv``, ``actions_effects.csv``, ``actions.json`` (worlds made with actions only):
  every past action with both potential churn dates, the true effect per programme, segment and
  window, and the programmes' design (see :mod:`.actions`);
- ``manifest.json``: counts of every entity delivered (``entities``) and in the whole world
  (``world_entities``), rows and dirty rows per file written, and the delivery: which feeds were
  written, which were not, and which resources each PM dialect reports.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .churn import CAUSES, NETWORK_CAUSES
from .clock import Clock
from .config import WorldConfig
from .delivery import FEEDS, Delivery
from .faults import Incident
from .network import NetworkIndex
from .records import iso_series

# The feed each entity count arrives through; counts of the truth itself have none.
ENTITY_FEEDS = {"customers": "customers", "services": "services", "shared_rfs": "services",
                "resources": "topology", "resource_links": "topology", "kpi_rows": "kpis",
                "alarm_events": "alarms", "alarms": "alarms", "usage_rows": "usage",
                "tickets": "tickets", "surveys": "surveys"}


def incident_ids(n: int) -> list[str]:
    return [f"INC-{k + 1:05d}" for k in range(n)]


def incidents_frame(incidents: tuple[Incident, ...], net: NetworkIndex, clock: Clock,
                    alarms: np.ndarray, impacted: set[int]) -> pl.DataFrame:
    return pl.DataFrame({
        "incident_id": incident_ids(len(incidents)),
        "kind": [i.kind for i in incidents],
        "root_resource_id": [str(net.ids[i.root]) for i in incidents],
        "start": iso_series(np.array([i.start_s for i in incidents]), clock),
        "end": iso_series(np.array([i.end_s for i in incidents]), clock),
        "alarmed": [i.alarmed for i in incidents],
        "planned": [i.planned for i in incidents],
        "customer_impacting": [k in impacted for k in range(len(incidents))],
        "n_alarms": alarms.astype(np.int64),
        "variant": [i.variant for i in incidents],
    }, schema_overrides={"start": pl.String, "end": pl.String})


def incident_resources_frame(incidents: tuple[Incident, ...], net: NetworkIndex,
                             clock: Clock) -> pl.DataFrame:
    """One row per incident, resource and effect kind (outage, degradation)."""
    rows = []
    ids = incident_ids(len(incidents))
    for k, incident in enumerate(incidents):
        for kind in ("outage", "degradation"):
            effects = [e for e in incident.effects if e.kind == kind]
            if not effects:
                continue
            resources = np.unique(np.concatenate([e.resources for e in effects]))
            start, end = min(e.start_s for e in effects), max(e.end_s for e in effects)
            rows.append(pl.DataFrame({"incident_id": ids[k], "resource_id": net.ids[resources],
                                      "effect": kind, "start_s": start, "end_s": end}))
    frame = pl.concat(rows) if rows else pl.DataFrame(schema={
        "incident_id": pl.String, "resource_id": pl.String, "effect": pl.String,
        "start_s": pl.Float64, "end_s": pl.Float64})
    return frame.with_columns(start=iso_series(frame["start_s"].to_numpy(), clock),
                              end=iso_series(frame["end_s"].to_numpy(), clock)) \
        .drop("start_s", "end_s").sort("incident_id", "resource_id", "effect")


def churn_frame(customer_ids: pl.Series, churn_day: np.ndarray, cause: np.ndarray,
                network_share: np.ndarray, clock: Clock) -> pl.DataFrame:
    churned = np.flatnonzero(churn_day < clock.days)
    labels = np.asarray(CAUSES, dtype=object)[cause[churned]]
    return pl.DataFrame({
        "customer_id": customer_ids.gather(pl.Series(churned)),
        "churn_date": pl.Series(np.datetime64(clock.start) + churn_day[churned]
                                .astype("timedelta64[D]")).cast(pl.Date),
        "main_cause": labels.astype(str),
        "network_caused": np.isin(labels, list(NETWORK_CAUSES)),
        "network_share": network_share[churned].round(3),
    }, schema_overrides={"main_cause": pl.String})


def manifest_document(config: WorldConfig, entities: dict[str, int],
                      files: dict[str, dict], incident_kinds: dict[str, int]) -> dict:
    return {
        "world": {"scale": config.scale, "days": config.days, "seed": config.seed,
                  "start": config.start.isoformat(), "dirt_rate": config.dirt_rate}
        | ({"actions": True} if config.actions else {}),
        "entities": entities,
        "incidents_by_kind": dict(sorted(incident_kinds.items())),
        "dirty_rows_total": sum(f["dirty_rows"] for f in files.values()),
        "files": dict(sorted(files.items())),
    }


def delivered_entities(entities: dict[str, int], delivery: Delivery) -> dict[str, int]:
    """The entity counts a reader of the delivered feeds can expect to find (every count of
    the truth itself, and those of the feeds written)."""
    return {name: count for name, count in entities.items()
            if name not in ENTITY_FEEDS or delivery.writes(ENTITY_FEEDS[name])}


def delivery_document(delivery: Delivery, vendors: np.ndarray, net: NetworkIndex,
                      mappings: list[str]) -> dict:
    """Which feeds were written, and per PM dialect how many resources of which types it
    reports (and in which regions)."""
    dialects = {}
    for dialect in delivery.pm_dialects:
        mine = vendors == dialect
        types, counts = np.unique(net.types[mine].astype(str), return_counts=True)
        dialects[dialect] = {"resources": int(mine.sum()),
                             "by_type": dict(zip(types.tolist(), counts.tolist(), strict=True)),
                             "regions": sorted(np.unique(net.regions[mine].astype(str))
                                               .tolist())}
    return {"feeds_written": list(delivery.feeds),
            "feeds_not_written": [f for f in FEEDS if not delivery.writes(f)],
            "pm_dialects": dialects, "mappings": mappings}
