"""``generate_world``: build a world and write its sources, the ground truth and the manifest.

The composition root of the generator: it wires the pure parts (world, days, records, truth)
to the file writers, and reports progress as (step name, fraction done). A :class:`Delivery`
says which feeds reach the raw folder and in which PM dialects; the world and its truth are the
same whatever it says.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

from . import actions as past_actions
from . import campaigns as past_campaigns
from .alarm_feed import AlarmFeed, build_feed
from .care import TICKET_SCHEMA
from .catalog import catalog_document
from .churn import ChurnModel, Exposure, burn_in
from .config import (
    GENERATOR_NAME,
    GENERATOR_VERSION,
    LOCAL_TIMEZONE,
    Component,
    GenerationReport,
    WorldConfig,
    component_rng,
)
from .daily import CarriedState, customer_day_step, network_day
from .delivery import Delivery, reporting_vendors
from .dirt import CsvDirtSpec, dirty_frame
from .inventory import cfs_lines, shared_rfs_lines
from .kpi_files import KpiFiles, dirt_rng
from .records import customers_export, services_state, surveys_export, tickets_export, usage_export
from .truth import (
    delivered_entities,
    delivery_document,
    incident_resources_frame,
    incidents_frame,
    manifest_document,
)
from .truth_days import TruthDays
from .vendor_c_mapping import MAPPING_PATH, vendor_c_mapping
from .world import StaticWorld, build_static_world
from .writers import (
    Ledger,
    prepare_output,
    write_csv,
    write_json,
    write_jsonl_parts,
    write_jsonl_with_dirt,
    write_parquet,
    write_yaml,
)

Progress = Callable[[str, float], None]
CUSTOMER_DIRT = CsvDirtSpec(",", ("customer_id", "segment", "region"), ("monthly_charges_eur",))
TICKET_DIRT = CsvDirtSpec(",", ("ticket_id", "customer_id", "created_at"), (), "customer_id",
                          "C9999999")
SURVEY_DIRT = CsvDirtSpec(",", ("response_id", "customer_id", "score"), ("score",),
                          "customer_id", "C9999999")
ACTION_DIRT = CsvDirtSpec(",", ("action_id", "customer_id", "sent_at"), ("cost_eur",),
                          "customer_id", "C9999999")
CAMPAIGN_DIRT = CsvDirtSpec(",", ("campaign_id", "customer_id", "sent_on"), (), "customer_id",
                            "C9999999")
BURN_IN_DAYS = 21
SERVICE_PART_ROWS = 100_000  # services rendered to JSON at a time (bounded memory)


def _world_manifest(config: WorldConfig, delivery: Delivery) -> dict:
    return {"generator": GENERATOR_NAME, "generator_version": GENERATOR_VERSION,
            "scale": config.scale, "days": config.days, "seed": config.seed,
            "start": config.start.isoformat(), "end": config.end.isoformat(),
            "dirt_rate": config.dirt_rate, "timezone": LOCAL_TIMEZONE,
            "feeds": list(delivery.feeds), "pm_dialects": list(delivery.pm_dialects)} | (
                {"actions": True} if config.actions else {}) | (
                {"campaigns": config.campaigns} if config.campaigns else {})


def generate_world(config: WorldConfig, out_dir: Path, progress: Progress | None = None,
                   delivery: Delivery | None = None) -> GenerationReport:
    """Generate the world described by ``config`` into ``out_dir`` (the raw folder), writing
    the feeds and PM dialects ``delivery`` names (default: every feed, dialects A and B)."""
    started = time.perf_counter()
    notify = progress or (lambda step, fraction: None)
    out_dir, delivery = Path(out_dir), delivery or Delivery()
    prepare_output(out_dir)
    write_json(out_dir / "manifest.json", _world_manifest(config, delivery))
    ledger = Ledger(out_dir, delivery)
    notify("customers, services and network", 0.0)
    world = build_static_world(config)
    vendors = reporting_vendors(world.vendors, world.net.types, delivery.pm_dialects)
    _write_reference(world, vendors, out_dir, delivery)
    notify("incidents and alarms", 0.08)
    feed = build_feed(world.incidents, world.net, vendors, world.clock, config.seed)
    days = _run_days(world, vendors, out_dir, ledger, notify)
    notify("alarms, tickets, customers and services", 0.92)
    _write_alarms(world, feed, out_dir, ledger)
    tickets = _write_tickets(world, days.tickets, out_dir, ledger)
    _write_customers_and_services(world, days.churn_day, out_dir, ledger)
    if days.actions is not None:
        _write_actions(world, days.actions, out_dir, ledger)
    if days.campaigns:
        _write_campaigns(world, days.campaigns, out_dir, ledger)
    notify("ground truth", 0.97)
    report = _write_truth(world, feed, days, ledger, out_dir, tickets, vendors,
                          time.perf_counter() - started)
    notify("done", 1.0)
    return report


def _writes_c_mapping(delivery: Delivery) -> bool:
    return delivery.writes("kpis") and "C" in delivery.pm_dialects


def _write_reference(world: StaticWorld, vendors: np.ndarray, out_dir: Path,
                     delivery: Delivery) -> None:
    """The catalog and the topology (whose ``vendor`` says which dialect reports each
    resource), and the mapping of dialect C beside its files when it is delivered."""
    if delivery.writes("catalog"):
        write_yaml(out_dir / "catalog" / "catalog.yaml", catalog_document())
    if delivery.writes("topology"):
        (out_dir / "topology").mkdir(parents=True, exist_ok=True)
        world.topology.resources.with_columns(vendor=pl.Series(vendors)).write_csv(
            out_dir / "topology" / "resources.csv")
        world.topology.links.write_csv(out_dir / "topology" / "resource_links.csv")
    if _writes_c_mapping(delivery):
        path = out_dir / MAPPING_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(vendor_c_mapping())


class _DayRecords:
    """What the day loop leaves behind for the final files."""

    def __init__(self, n_customers: int):
        self.tickets: list[pl.DataFrame] = []
        self.truth = TruthDays()
        self.churn_day = np.zeros(n_customers, dtype=np.int64)
        self.churn_cause = np.zeros(n_customers, dtype=np.int8)
        self.churn_network_share = np.zeros(n_customers)
        self.kpi_rows = self.usage_rows = self.surveys = 0
        self.actions: past_actions.ActionPlan | None = None
        self.campaigns: tuple[past_campaigns.Campaign, ...] = ()
        self.campaign_record = past_campaigns.CampaignRecord()


def _run_days(world: StaticWorld, vendors: np.ndarray, out_dir: Path, ledger: Ledger,
              notify: Progress) -> _DayRecords:
    config, clock = world.config, world.clock
    model = ChurnModel.of(world.customers, world.premium, config.start)
    state = CarriedState(
        burn_in(model.drivers, model.base_hazard, BURN_IN_DAYS,
                component_rng(config.seed, Component.CHURN, -1)),
        Exposure.none(world.customers.height), pl.DataFrame(schema=TICKET_SCHEMA))
    kpis, records = KpiFiles(world, out_dir, ledger, vendors), _DayRecords(
        world.customers.height)
    if clock.needs_lead_day:
        kpis.add(-1, network_day(world, -1)[1])
    plan = past_actions.ActionPlan.start(world.customers.height) if config.actions else None
    campaigns = records.campaigns = _plan_campaigns(world)
    for day in range(config.days):
        day_world = world if not campaigns else replace(
            world, plan=past_campaigns.load_plan_for(world.plan, campaigns, day))
        imp, network = network_day(day_world, day)
        kpis.add(day, network)
        rho = network.rho
        del network  # its counter rows are written: not held through the customers' day
        if campaigns:
            past_campaigns.record_day(records.campaign_record, campaigns, world.plan,
                                      rho, 1.0 - imp.unavailable, day)
        result = customer_day_step(world, state, imp, rho, day,
                                   plan.model_for(model, day) if plan else model,
                                   past_campaigns.usage_uplift(campaigns, world.services.height,
                                                               day))
        if plan is not None:
            plan = _follow_actions(world, plan, model, state, result.state, day)
        state = result.state
        records.truth.add(day, result.causes)
        records.tickets.append(result.tickets)
        _write_usage(world, result.usage, day, out_dir, ledger, records)
        _write_surveys(world, result.surveys, day, out_dir, ledger, records)
        del imp, rho, result  # the day's arrays and frames, not held while the next is made
        notify(f"day {day + 1} of {config.days}", 0.1 + 0.8 * (day + 1) / config.days)
    records.kpi_rows = kpis.rows
    records.churn_day, records.churn_cause = state.churn.churn_day, state.churn.cause
    records.churn_network_share = state.churn.network_share
    records.actions = plan
    return records


def _plan_campaigns(world: StaticWorld) -> tuple[past_campaigns.Campaign, ...]:
    """The world's past campaigns (none unless ``WorldConfig.campaigns`` asks for them)."""
    config = world.config
    return past_campaigns.plan_campaigns(
        config.campaigns, world.services, world.customers, world.service_customer, world.net,
        world.topology.links, config.days, component_rng(config.seed, Component.CAMPAIGNS))


def _write_campaigns(world, campaigns, out_dir, ledger) -> None:
    """The campaigns feed, one file per campaign (``campaigns/campaign_<id>.csv``)."""
    frame = past_campaigns.campaigns_frame(campaigns, world.customers, world.clock)
    for (campaign_id,), part in frame.group_by(["campaign_id"], maintain_order=True):
        path = out_dir / "campaigns" / f"campaign_{campaign_id}.csv"
        write_csv(ledger, path, part, CAMPAIGN_DIRT, world.config.dirt_rate,
                  dirt_rng(world.config, path.relative_to(out_dir).as_posix()))


def _follow_actions(world, plan, model, before: CarriedState, after: CarriedState, day: int):
    """The chosen customers' potential outcomes after ``day``, then tomorrow's choices."""
    config = world.config
    plan = past_actions.follow(plan, model, after.exposure, day, config.seed)
    return past_actions.choose(plan, model, after.churn, before.exposure, after.exposure,
                               world.customers["segment"].to_numpy(), day, config.days,
                               config.seed)


def _write_actions(world, plan, out_dir, ledger) -> None:
    """The actions feed, one file per day with actions (``actions/actions_YYYYMMDD.csv``)."""
    charges = np.bincount(world.service_customer, weights=world.services["price_eur"].to_numpy(),
                          minlength=world.customers.height)
    frame = past_actions.actions_frame(plan, world.customers, charges, world.clock)
    sent_day = frame["sent_at"].str.slice(0, 10).str.replace_all("-", "")
    for stamp in sent_day.unique().sort():
        path = out_dir / "actions" / f"actions_{stamp}.csv"
        write_csv(ledger, path, frame.filter(sent_day == stamp), ACTION_DIRT,
                  world.config.dirt_rate,
                  dirt_rng(world.config, path.relative_to(out_dir).as_posix()))


def _write_usage(world, usage, day, out_dir, ledger, records) -> None:
    frame = usage_export(usage, world.services["service_id"], pl.Series(world.net.ids.astype(str)))
    path = out_dir / "usage" / f"usage_{world.clock.stamp(day)}.parquet"
    dirty, counts = dirty_frame(frame, world.config.dirt_rate,
                                dirt_rng(world.config, path.relative_to(out_dir).as_posix()),
                                "service_id", "CFS-9999999-99", "data_volume_mb")
    write_parquet(ledger, path, dirty, counts)
    records.usage_rows += frame.height


def _write_surveys(world, surveys, day, out_dir, ledger, records) -> None:
    frame = surveys_export(surveys, world.customers, records.surveys + 1, world.clock)
    path = out_dir / "surveys" / f"nps_{world.clock.stamp(day)}.csv"
    write_csv(ledger, path, frame, SURVEY_DIRT, world.config.dirt_rate,
              dirt_rng(world.config, path.relative_to(out_dir).as_posix()))
    records.surveys += frame.height


def _write_alarms(world: StaticWorld, feed: AlarmFeed, out_dir: Path, ledger: Ledger) -> None:
    for day in range(world.config.days):
        events = feed.by_day.get(day, [])
        if not events:
            continue  # an event feed delivers no file on a day without events
        path = out_dir / "alarms" / f"alarms_{world.clock.stamp(day)}.jsonl"
        lines = [json.dumps(e.event, separators=(",", ":")) for e in events]
        known = Counter(duplicate=sum(e.duplicate for e in events))
        write_jsonl_with_dirt(ledger, path, [], lines, world.config.dirt_rate,
                              dirt_rng(world.config, path.relative_to(out_dir).as_posix()),
                              ("eventTime",), ("event", "alarm", "alarmedObject", "id"),
                              "CELL-X-9999-9", known)


def _write_tickets(world, tickets, out_dir, ledger) -> pl.DataFrame:
    everything = pl.concat(tickets) if tickets else pl.DataFrame(schema=TICKET_SCHEMA)
    rng = component_rng(world.config.seed, Component.TICKETS)
    frame = tickets_export(everything, world.customers, world.services, world.clock, rng)
    created_day = frame["created_at"].str.slice(0, 10).str.replace_all("-", "")
    for day in range(world.config.days):
        stamp = world.clock.stamp(day)
        path = out_dir / "tickets" / f"tickets_{stamp}.csv"
        write_csv(ledger, path, frame.filter(created_day == stamp), TICKET_DIRT,
                  world.config.dirt_rate,
                  dirt_rng(world.config, path.relative_to(out_dir).as_posix()))
    return frame


def _write_customers_and_services(world, churn_day, out_dir, ledger) -> None:
    config = world.config
    churned = churn_day < config.days
    path = out_dir / "customers" / "customers.csv"
    write_csv(ledger, path, customers_export(world.customers, world.services, churned),
              CUSTOMER_DIRT, config.dirt_rate, dirt_rng(config, "customers/customers.csv"))
    state = services_state(world.services, churn_day, world.service_customer, world.clock)
    path = out_dir / "services" / "services.jsonl"
    # rendered and written a slice of services at a time: the whole inventory as Python
    # strings took ~4.6 GB more at scale 10 (2 M lines, 1.7 GB of JSON, several copies)
    parts = (cfs_lines(part).to_list() for part in state.iter_slices(SERVICE_PART_ROWS))
    write_jsonl_parts(ledger, path, shared_rfs_lines(world.net), parts, state.height,
                      config.dirt_rate, dirt_rng(config, "services/services.jsonl"),
                      ("id",), ("relatedParty", "partyOrPartyRole", "id"), "C9999999")


def _clean_alarm_events(feed: AlarmFeed, days: int) -> int:
    """Events in the alarm files minus the duplicates (as the files would count them)."""
    return sum(len(events) - sum(e.duplicate for e in events)
               for day, events in feed.by_day.items() if 0 <= day < days)


def _write_truth(world, feed, days: _DayRecords, ledger, out_dir, tickets, vendors,
                 seconds: float) -> GenerationReport:
    truth_dir, clock, net = out_dir / "_truth", world.clock, world.net
    truth_dir.mkdir(parents=True, exist_ok=True)
    incident_services = days.truth.incident_services(world)
    service_days = days.truth.service_day_impact(world)
    impacted = set(incident_services["incident_id"].str.slice(4).cast(pl.Int64).to_list())
    incidents = incidents_frame(world.incidents, net, clock, feed.alarms_per_incident,
                                {k - 1 for k in impacted})
    incidents.write_csv(truth_dir / "incidents.csv")
    incident_resources_frame(world.incidents, net, clock).write_csv(
        truth_dir / "incident_resources.csv")
    incident_services.write_parquet(truth_dir / "incident_services.parquet")
    service_days.write_parquet(truth_dir / "service_day_impact.parquet")
    churn = days.truth.churn(world, days.churn_day, days.churn_cause, days.churn_network_share)
    churn.write_csv(truth_dir / "churn.csv")
    if days.actions is not None:
        outcomes = past_actions.potential_outcomes(days.actions, world.customers, clock)
        outcomes.write_csv(truth_dir / "actions.csv")
        past_actions.true_effects(outcomes, clock.date_of(world.config.days - 1)).write_csv(
            truth_dir / "actions_effects.csv")
        write_json(truth_dir / "actions.json", past_actions.design_document())
    report = GenerationReport(
        customers=world.customers.height, services=world.services.height,
        resources=net.size, kpi_rows=days.kpi_rows,
        alarm_events=_clean_alarm_events(feed, world.config.days), usage_rows=days.usage_rows,
        tickets=tickets.height, surveys=days.surveys, incidents=len(world.incidents),
        churned_customers=churn.height, seconds=round(seconds, 2))
    entities = {k: v for k, v in report.__dict__.items() if k != "seconds"}
    entities.update(shared_rfs=len(shared_rfs_lines(net)),
                    resource_links=world.topology.links.height, alarms=feed.delivered_alarms,
                    incident_service_days=incident_services.height,
                    degraded_service_days=service_days.height)
    if days.actions is not None:
        entities["actions"] = int((days.actions.day >= 0).sum())
    if days.campaigns:
        summary, resources = past_campaigns.truth_frames(
            days.campaigns, days.campaign_record, net, world.plan, clock)
        summary.write_csv(truth_dir / "campaigns.csv")
        resources.write_csv(truth_dir / "campaign_resources.csv")
        entities["campaign_targets"] = int(summary["targets"].sum())
    kinds = Counter(i.kind for i in world.incidents)
    delivery = ledger.delivery
    mappings = [MAPPING_PATH] if _writes_c_mapping(delivery) else []
    document = manifest_document(world.config, delivered_entities(entities, delivery),
                                 ledger.files, dict(kinds))
    document["world_entities"] = entities
    document["delivery"] = delivery_document(delivery, vendors, world.net, mappings)
    write_json(truth_dir / "manifest.json", document)
    return report
