"""What the loaded feeds allow: every output a user sees, the feeds it needs, and, for each one
the data cannot give yet, which feed is missing and which file would bring it.

An operator starts with two or three feeds. Every transform runs on what arrived (a feed never
loaded is an empty staging table), so nothing fails for lack of a feed; this module says plainly
which outputs are *built* (their feeds are loaded), *partial* (built, but a feed that would add
something is missing) or *not built*. An output's feeds are those of the models that build its
tables (their ``-- feeds:`` header, :mod:`cxbridge.platform.model_graph`) plus any it declares
itself, so the declaration lives with the model. ``cxbridge run`` prints the table and publishes it
(``marts.capabilities``) so the dashboard can show what exists and what a missing feed would add.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import duckdb
import polars as pl

from cxbridge.models.graph import model_graph
from cxbridge.platform.ingest import SOURCES

# A feed requirement: a feed name, or a tuple of names any one of which will do.
Requirement = str | tuple[str, ...]


@dataclass(frozen=True)
class Output:
    """Something a user sees: the tables that hold it, the feeds it needs beyond those of the
    models building them, and what each optional feed would add to it."""

    name: str
    label: str
    gives: str
    tables: tuple[str, ...] = ()
    feeds: tuple[Requirement, ...] = ()
    adds: Mapping[str, str] = field(default_factory=dict)  # optional feed → what it adds
    pages: tuple[str, ...] = ()                            # dashboard paths that show it


OUTPUTS: tuple[Output, ...] = (
    Output("cell_experience", "Cell and port experience",
           "KPIs per cell and PON port, hour by hour and day by day, with the worst hour",
           tables=("core.access_daily",),
           adds={"topology": "regions, and the delay and loss each hop adds on the way to the "
                             "core (without it every measured object is its own resource)"},
           pages=("/operations",)),
    Output("incident_queue", "Incident queue",
           "faults and silent degradations, correlated to a root cause and ranked by impact",
           feeds=(("alarms", "kpis"), ("topology", "kpis")),
           adds={"alarms": "faults the network reports, folded into incidents with a root cause",
                 "kpis": "silent degradations (cells failing without an alarm) and the traffic "
                         "each incident hurt",
                 "services": "each incident ranked by the customers it hurts, with care lists"},
           pages=("/operations",)),
    Output("service_experience", "Experience index per service",
           "a 0-100 Service Experience Index per customer service and day, with its reasons",
           tables=("marts.service_experience_daily",),
           adds={"alarms": "availability (fault minutes on each service's path)",
                 "usage": "connecting, TV streaming and session counts from usage records",
                 "kpis": "the network side: latency, loss and throughput end to end from the "
                         "counters of the cells and ports that carry each service",
                 "topology": "each service's full path to the core"},
           pages=("/customer",)),
    Output("customer_views", "Customer experience and shared KPIs",
           "customers' daily experience, segments, regions and the KPIs both departments share",
           tables=("marts.customer_daily", "marts.kpi_daily"),
           adds={"kpis": "the network measures of the experience index and the shared "
                         "network KPIs (latency, throughput, session failures)",
                 "tickets": "care tickets beside experience", "surveys": "NPS beside experience"},
           pages=("/", "/marketing", "/customer")),
    Output("churn_risk", "Churn risk and revenue at risk",
           "each customer's churn probability, risk band, revenue at risk and reasons",
           tables=("marts.customer_daily",), feeds=("usage",),
           pages=("/", "/marketing", "/customer")),
    Output("measured_experience", "Measured experience from phones",
           "what phones measured on the network: sessions, cells ranked, the worst sessions",
           tables=("measured.ue_sessions", "measured.ue_cells"),
           pages=("/measured",)),
    Output("care_tickets", "Care tickets and complaints",
           "ticket volumes by category, place, channel and status, network complaints apart",
           tables=("marts.tickets", "marts.ticket_daily", "marts.ticket_phrases"),
           adds={"customers": "tickets joined to the customers and services that raised them"},
           pages=("/tickets",)),
    # built after the incidents (models/whatif), from models of the graph plus its own reads
    Output("planned_work", "Planned-work impact",
           "before maintenance: the services, customers, enterprise SLAs and revenue it will "
           "hurt, redundancy honoured as for faults, and the customers to notify",
           tables=("core.cfs_resources", "core.service_access_shares"),
           feeds=("topology", "customers"),
           adds={"kpis": "the least-harm window, from the usual sessions of each hour on the "
                         "cells and ports the work touches"},
           pages=("/planned",)),
    Output("campaign_review", "Campaign network impact",
           "before a campaign goes out: the busy-hour load it adds to every cell and PON port "
           "serving its targets, the resources it would congest, a verdict per region and a "
           "phased list",
           tables=("core.service_access_shares",), feeds=("customers", "usage", "kpis"),
           adds={"campaigns": "take-up and usage uplift per offer learned from past campaigns "
                              "(without it, the [whatif] defaults in cxbridge.toml)"},
           pages=("/review",)),
    # built by the job's outcomes step (models/outcomes), not by a model of the graph
    Output("measured_outcomes", "Measured outcomes",
           "what each programme of offers and care contacts changed: churn of treated against "
           "control within 30/60/90 days, with 95 % intervals, and money kept net of its cost",
           feeds=("actions", "customers", "services"),
           adds={"tickets": "tickets of treated against control"}),
    # built as the job publishes (marts.protected_kpi_daily, marts.incident_protection: models
    # after the incident and outcomes steps), so its feeds are declared here
    Output("operations_protected", "What operations protected",
           "per incident and per month: revenue at risk, time to restore, and the churn avoided "
           "and revenue kept by care after it (the care programmes' measured effect, treated "
           "against control; not measured while a programme's groups are too few to tell)",
           feeds=("actions", "customers", "services", ("alarms", "kpis"))),
)


@dataclass(frozen=True)
class Capability:
    name: str
    label: str
    status: str                  # built, partial, not built
    gives: str
    missing: tuple[str, ...]     # the fewest feeds that would meet what is not met
    would_add: tuple[str, ...]   # "alarms: availability (…)" for each optional feed missing
    how_to_enable: str           # the files that would enable (or complete) it
    pages: tuple[str, ...]
    note: str = ""               # why a built-looking output was not built (e.g. short history)


def requirements(output: Output) -> tuple[Requirement, ...]:
    """Every feed requirement of ``output``: its own and those of the models building its
    tables, each once, in declaration order."""
    found: list[Requirement] = []
    for model in model_graph().models:
        if model.table in output.tables:
            found.extend(model.feeds)
    found.extend(output.feeds)
    return tuple(dict.fromkeys(found))


def _met(requirement: Requirement, loaded: set[str]) -> bool:
    options = (requirement,) if isinstance(requirement, str) else requirement
    return any(option in loaded for option in options)


def _fewest_feeds(unmet: list[Requirement]) -> list[str]:
    """Feeds that would meet every requirement in ``unmet``, preferring a feed that meets
    several at once (PM counters give both the resources and the silent degradations)."""
    chosen: list[str] = []
    for requirement in unmet:
        options = (requirement,) if isinstance(requirement, str) else requirement
        if any(option in chosen for option in options):
            continue
        chosen.append(max(options, key=lambda o: sum(
            o in ((r,) if isinstance(r, str) else r) for r in unmet)))
    return chosen


def where_to_put(feed: str, raw_label: str = "raw") -> str:
    """Where a feed's files go, e.g. ``raw/customers/*.csv``."""
    source = next((s for s in SOURCES if s.name == feed), None)
    if source is None:
        return feed
    return f"{raw_label}/{source.folder}/{source.patterns[0].removeprefix('**/')}"


def feed_description(feed: str) -> str:
    """What a feed is, in words (the ingest source's description)."""
    return next((s.description for s in SOURCES if s.name == feed), feed)


def capabilities(loaded: Iterable[str], notes: Mapping[str, str] | None = None
                 ) -> list[Capability]:
    """What the ``loaded`` feeds allow, output by output. ``notes`` maps an output to the reason
    it was not built although its feeds are there (e.g. churn on too short a history)."""
    loaded, notes = set(loaded), dict(notes or {})
    table = []
    for output in OUTPUTS:
        unmet = [r for r in requirements(output) if not _met(r, loaded)]
        optional = [f for f in output.adds if f not in loaded]
        if unmet or output.name in notes:
            status = "not built"
        else:
            status = "partial" if optional else "built"
        feeds_to_add = _fewest_feeds(unmet) if unmet else optional
        table.append(Capability(
            name=output.name, label=output.label, status=status, gives=output.gives,
            # the fewest feeds that would meet every unmet requirement ("kpis" meets both
            # "alarms or kpis" and "topology or kpis")
            missing=tuple(feeds_to_add) if unmet else (),
            would_add=tuple(f"{f}: {output.adds[f]}" for f in optional),
            how_to_enable="; ".join(where_to_put(f) for f in dict.fromkeys(feeds_to_add)),
            pages=output.pages, note="" if unmet else notes.get(output.name, "")))
    return table


def as_frame(table: list[Capability]) -> pl.DataFrame:
    """The capability table as rows (lists joined with ``; ``), as published."""
    return pl.DataFrame(
        [{"output": c.name, "label": c.label, "status": c.status, "gives": c.gives,
          "missing": "; ".join(c.missing), "would_add": "; ".join(c.would_add),
          "how_to_enable": c.how_to_enable, "pages": " ".join(c.pages), "note": c.note}
         for c in table],
        schema={k: pl.String for k in ("output", "label", "status", "gives", "missing",
                                       "would_add", "how_to_enable", "pages", "note")})


def store(con: duckdb.DuckDBPyConnection, table: list[Capability]) -> None:
    """Write the table to ``marts.capabilities`` (one row per output), for publishing."""
    con.execute("create schema if not exists marts")
    con.register("_capabilities", as_frame(table))
    try:
        con.execute("create or replace table marts.capabilities as select * from _capabilities")
    finally:
        con.unregister("_capabilities")
