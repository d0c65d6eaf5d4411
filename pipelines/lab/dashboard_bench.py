"""How fast the dashboard answers: every page's callbacks against the current snapshot.

:func:`bench_dashboard` builds the app, and for ``rounds`` rounds (each with other filters: the
default four weeks, one region, one segment, one service type, the last week) posts every
interaction's callbacks to ``/_dash-update-component`` through Flask's test client, as the
browser does, and times each. An *interaction* is what one user action triggers (changing a
filter on the Overview runs four callbacks; the browser sends them at once and waits for the
slowest); its time here is the sum of its callbacks run one after another, an upper bound.

The result cache is cleared before every round, so the figures are those of new filters
(``cold``); each interaction is then repeated once to show the cached answer (``warm``). What
is built once per snapshot whatever the filters (the customer period index of
:mod:`cxbridge.dashboards.period_index`, the customer-level tables) is kept across rounds; the time
it takes after a new snapshot is reported on its own (``snapshot_warm_up_ms``). Then, as the
server does before serving, what is alive is put out of the garbage collector's reach
(:func:`cxbridge.dashboards.app.settle_heap`).

Downloads (``/export/…``) are timed as the GET requests the browser sends, to their first byte
(the file is streamed). A download records its customers (:mod:`cxbridge.platform.action_log`),
and only a list's first download writes them: the ``(first download)`` interactions are timed
each round against a new recorded-actions store (in a temporary folder, so the bench never
writes into the world's own), their ``warm`` figure being the same list downloaded again.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import dash
import polars as pl

from cxbridge.dashboards.app import create_app, settle_heap
from cxbridge.dashboards.campaign import OFFERS, CampaignChoice
from cxbridge.dashboards.context import ROLE_ID, current_reader
from cxbridge.dashboards.exports import ACTIONS_EXTENSION, campaign_href, care_href
from cxbridge.dashboards.filters import Filters
from cxbridge.platform.action_log import ActionLog
from cxbridge.platform.settings import Settings

FILTER_KEYS = ("filters-dates.start_date", "filters-dates.end_date", "filters-region.value",
               "filters-segment.value", "filters-cfs-type.value")


@dataclass(frozen=True)
class Interaction:
    """One user action: its name and the callbacks (output keys) it triggers."""

    name: str
    callbacks: tuple[str, ...]
    values: Mapping[str, Any]
    first_download: bool = False  # timed against a new recorded-actions store each round


class BenchError(RuntimeError):
    """A callback did not answer 200 (the message says which and why)."""


def bench_dashboard(settings: Settings, rounds: int = 20) -> dict:
    """p50 / p95 / max milliseconds per interaction (cold and warm) and per callback."""
    app = create_app(settings)
    client = app.server.test_client()
    if client.get("/").status_code != 200:  # also hands the pages' callbacks to the app
        raise BenchError("the dashboard did not serve its page")
    with app.server.app_context():
        reader = current_reader()
        choices = reader.filter_options()
        subjects = _subjects(reader, choices.default)
        variants = _filter_variants(choices)
        run_id = reader.snapshot_info().run_id
        reader.cache_clear()
        started = time.perf_counter()
        reader.warm_up()
        warm_up_ms = (time.perf_counter() - started) * 1000
    settle_heap()  # as `cxbridge dashboard` does before serving
    cold: dict[str, list[float]] = {}
    warm: dict[str, list[float]] = {}
    per_callback: dict[str, list[float]] = {}
    for round_no in range(rounds):
        filters = variants[round_no % len(variants)]
        reader.cache_clear(keep_indexes=True)
        for interaction in _possible(interactions(filters, subjects), subjects)[0]:
            with _new_action_store(app, interaction.first_download):
                timings = [_post(client, app, output, interaction.values)
                           for output in interaction.callbacks]
                cold.setdefault(interaction.name, []).append(sum(timings))
                for output, ms in zip(interaction.callbacks, timings, strict=True):
                    per_callback.setdefault(_short(output), []).append(ms)
                warm.setdefault(interaction.name, []).append(
                    sum(_post(client, app, output, interaction.values)
                        for output in interaction.callbacks))
    skipped = _possible(interactions(variants[0], subjects), subjects)[1]
    return {"snapshot": run_id, "rounds": rounds, "skipped": skipped,
            "snapshot_warm_up_ms": round(warm_up_ms, 1),
            "interactions": {name: {"cold": _summary(cold[name]), "warm": _summary(warm[name])}
                             for name in cold},
            "callbacks": {name: _summary(values) for name, values in per_callback.items()}}


@contextmanager
def _new_action_store(app: dash.Dash, new: bool) -> Iterator[None]:
    """With ``new``, the app's downloads are recorded in a new recorded-actions store while
    the block runs (created, as a store in use is, before the block), then the app's own
    again; without, nothing changes."""
    if not new:
        yield
        return
    server = app.server
    own = server.extensions[ACTIONS_EXTENSION]
    with tempfile.TemporaryDirectory(prefix="cxbridge-bench-actions-") as folder:
        store = ActionLog(Path(folder) / "actions.sqlite")
        store.exports()  # nothing yet; the first record creates the file
        store.record("care", "BENCH-STORE", pl.DataFrame(
            {"customer_id": ["-"], "arm": ["treated"], "programme": ["-"], "offer": [None],
             "channel": [None], "reason": [None], "cost_eur": [None]}), user="bench",
            role="bench")
        server.extensions[ACTIONS_EXTENSION] = (store, own[1])
        try:
            yield
        finally:
            server.extensions[ACTIONS_EXTENSION] = own


def interactions(filters: Filters, subjects: Mapping[str, str]) -> list[Interaction]:
    """Every page's user actions, with the values their callbacks receive."""
    bar = dict(zip(FILTER_KEYS, filters.to_inputs(), strict=True))
    query = filters.to_query()
    common = {**bar, "shell-url.search": query, "shell-url.pathname": "/"}
    marketing = {**common, "marketing-by.value": "segment", "marketing-export.n_clicks": 1,
                 "marketing-offers.value": ["service_recovery", "retention", "upsell"],
                 "marketing-bands.value": ["high", "medium", "low"],
                 f"{ROLE_ID}.value": "marketing"}
    operations = {**common, "operations-view.value": "all", "operations-planned.value": [],
                  "incident-id.data": subjects["incident"], "incident-export.n_clicks": 1,
                  f"{ROLE_ID}.value": "care"}
    customer = {**common, "customer-id.data": subjects["customer"], f"{ROLE_ID}.value": "care",
                "customer-find.n_clicks": 1, "customer-search.value": subjects["search"]}
    overview = {**common, "overview-kpi.value": "experience_index",
                "overview-breakdown-by.value": "region"}
    # the what-if and outcomes pages (issues 19, 20): the planned work the page finds hardest
    # (the two resources taking most customers down), a campaign of every offer and band
    planned = {"planned-resources.value": subjects["resource"].split(",")
               if subjects["resource"] else [], "planned-start.value": "", "planned-hours.value": 2,
               f"{ROLE_ID}.value": "operations"}
    review = {**common, "review-offers.value": list(OFFERS),
              "review-bands.value": ["high", "medium", "low"], "review-code.value": "",
              "review-control.value": 10, "review-content.value": "campaign",
              f"{ROLE_ID}.value": "marketing"}
    outcomes = {"outcomes-window.value": "30", "outcomes-breakdown.value": "segment",
                f"{ROLE_ID}.value": "executive"}
    return [
        Interaction("navigate (page layouts)", tuple(f"_pages {p}" for p in (
            "/", "/marketing", "/operations",
            *([f"/incident/{subjects['incident']}"] if subjects["incident"] else []),
            *([f"/customer/{subjects['customer']}"] if subjects["customer"] else []),
            "/glossary")), common),
        Interaction("overview: filters", ("overview-tiles.children",
                                          "overview-more-tiles.children",
                                          "overview-trend.figure", "overview-breakdown.figure",
                                          "shell-footer.children"), overview),
        Interaction("overview: pick a KPI", ("overview-trend.figure",
                                             "overview-breakdown.figure"),
                    {**overview, "overview-kpi.value": "poor_experience_share"}),
        Interaction("marketing: filters", (_key("marketing-notice.children",
                                                "marketing-quadrant-stats.children",
                                                "marketing-risk-map.figure",
                                                "marketing-drivers.figure",
                                                "marketing-network-share.children"),
                                           "marketing-quadrants.figure",
                                           "marketing-preview.children"), marketing),
        Interaction("marketing: quadrants by region", ("marketing-quadrants.figure",),
                    {**marketing, "marketing-by.value": "region"}),
        Interaction("marketing: campaign offers", ("marketing-preview.children",),
                    {**marketing, "marketing-offers.value": ["service_recovery"]}),
        Interaction("marketing: export CSV", ("GET " + campaign_href(
            filters, CampaignChoice(), "marketing"),), marketing),
        Interaction("marketing: export CSV (first download)", ("GET " + campaign_href(
            filters, CampaignChoice(), "marketing"),), marketing, first_download=True),
        # issue 20: the builder ranked by the uplift model's expected effect
        Interaction("marketing: rank by expected effect", ("marketing-preview.children",),
                    {**marketing, "marketing-rank.value": "effect"}),
        Interaction("marketing: export by expected effect", ("GET " + campaign_href(
            filters, CampaignChoice(rank="effect"), "marketing"),), marketing),
        Interaction("operations: filters", (_key("operations-notice.children",
                                                 "operations-queue.children",
                                                 "operations-silent.children"),
                                            "operations-experience.figure"), operations),
        Interaction("operations: open only", (_key("operations-notice.children",
                                                   "operations-queue.children",
                                                   "operations-silent.children"),),
                    {**operations, "operations-view.value": "open"}),
        Interaction("incident: open", (_key("incident-header.children",
                                            "incident-exposure.children",
                                            "incident-score.figure", "incident-impact.figure",
                                            "incident-timeline.figure",
                                            "incident-care.children"),
                                       _key("incident-kpis.figure",
                                            "incident-kpis-note.children")), operations),
        Interaction("incident: export care list", ("GET " + care_href(subjects["incident"],
                                                                        "care"),), operations),
        Interaction("incident: export care list (first download)", ("GET " + care_href(
            subjects["incident"], "care"),), operations, first_download=True),
        Interaction("planned work: the two resources hurting most", (_key(
            "planned-notice.children", "planned-stats.children", "planned-harm.figure",
            "planned-best.children", "planned-notify.children",
            "planned-export-note.children"),), planned),
        Interaction("campaign review: every offer and band", (_key(
            "review-notice.children", "review-summary.children", "review-regions.children",
            "review-phases.children", "review-resources.children",
            "review-assumptions.children", "review-export.href", "review-body.hidden"),),
            review),
        Interaction("outcomes: by segment", (_key(
            "outcomes-notice.children", "outcomes-summary-row.children",
            "outcomes-effects.figure", "outcomes-detail.children",
            "outcomes-window-note.children", "outcomes-body.hidden"),), outcomes),
        Interaction("customer 360: search", ("customer-search-results.children",), customer),
        Interaction("customer 360: open", (_key("customer-profile-card.children",
                                                "customer-churn-card.children",
                                                "customer-tickets.children"),
                                           _key("customer-experience.figure",
                                                "customer-services.children",
                                                "customer-incidents.children",
                                                "customer-alert.children")), customer),
    ]


def _subjects(reader, filters: Filters) -> dict[str, str]:
    """An incident, a customer it hurt and a search text to exercise the detail pages with."""
    incident, customer = "", ""
    if not reader.missing("queue", "incidents", "incident_services"):
        queue = reader.incident_queue(filters)
        ranked = queue.filter(pl.col("affected_customers") > 0).sort(
            pl.col("source") != "alarm", "rank")  # an alarm-based one has a timeline
        if ranked.is_empty():  # network-only data: incidents ranked by network impact
            ranked = queue.sort("rank")
        if not ranked.is_empty():
            incident = ranked["incident_id"][0]
            care = reader.care_list(incident)
            customer = care["customer_id"][0] if not care.is_empty() else ""
    if not customer and not reader.missing("customer_daily", "customers"):
        outlook = reader.customer_outlook(filters)
        customer = outlook["customer_id"][0] if not outlook.is_empty() else ""
    planned = ""
    if not reader.missing("units"):
        top = reader.frame("select resource_id from units where resource_id is not null "
                           "order by customers desc, resource_id limit 2")
        planned = ",".join(top["resource_id"].to_list())
    return {"incident": incident, "customer": customer, "search": customer[:-2],
            "resource": planned,
            "campaign load": "yes" if not reader.missing("campaign_load") else "",
            "programme outcome": "yes" if not reader.missing("programme_outcomes") else "",
            "published uplift": "yes" if reader.uplift_ranking()[0] else ""}


# What an interaction needs from the snapshot: a network-only snapshot has no customer to open,
# a snapshot without alarms or counters no incident; those interactions are skipped, and said.
NEEDS = {"incident: open": "incident", "incident: export care list": "incident",
         "incident: export care list (first download)": "incident",
         "customer 360: search": "customer", "customer 360: open": "customer",
         "planned work: the two resources hurting most": "resource",
         "campaign review: every offer and band": "campaign load",
         "outcomes: by segment": "programme outcome",
         "marketing: rank by expected effect": "published uplift",
         "marketing: export by expected effect": "published uplift"}


def _possible(every: list[Interaction], subjects: Mapping[str, str]
              ) -> tuple[list[Interaction], dict[str, str]]:
    """The interactions this snapshot allows, and the others with the reason they are not run."""
    kept, skipped = [], {}
    for interaction in every:
        needs = NEEDS.get(interaction.name)
        if needs and not subjects[needs]:
            skipped[interaction.name] = f"no {needs} in this snapshot"
        else:
            kept.append(interaction)
    return kept, skipped


def _filter_variants(choices) -> list[Filters]:
    default = choices.default
    last_week = Filters(start=max(choices.first_date, default.end - timedelta(days=6)),
                        end=default.end)
    variants = [default, last_week]
    for field, values in (("regions", choices.regions), ("segments", choices.segments),
                          ("cfs_types", choices.cfs_types)):
        if values:
            variants.append(Filters(start=default.start, end=default.end,
                                    **{field: (values[0],)}))
    return variants


def _key(*outputs: str) -> str:
    """Dash's key for a callback with several outputs."""
    return ".." + "...".join(outputs) + ".."


def _short(output: str) -> str:
    if output.startswith("GET "):
        return output.split("?")[0]
    return output.strip(".").split("...")[0]


def post_callback(client, app: dash.Dash, output: str, values: Mapping[str, Any],
                  headers: Mapping[str, str] | None = None):
    """Post one callback to ``/_dash-update-component`` as the browser would: ``output`` is
    its key in ``app.callback_map``, ``values`` gives every input and state as
    ``{"component-id.property": value}``. Returns the response."""
    return client.post("/_dash-update-component",
                       data=json.dumps(callback_payload(app, output, values)),
                       content_type="application/json", headers=dict(headers or {}))


def callback_payload(app: dash.Dash, output: str, values: Mapping[str, Any]) -> dict:
    """The body the browser posts to ``/_dash-update-component`` for one callback (see
    :func:`post_callback`)."""
    spec = app.callback_map[output]
    outputs = [dict(zip(("id", "property"), o.rsplit(".", 1), strict=True))
               for o in output.strip(".").split("...")]
    return {
        "output": output,
        "outputs": outputs if output.startswith("..") else outputs[0],
        "inputs": [_value(i, values) for i in spec["inputs"]],
        "state": [_value(s, values) for s in spec["state"]],
        "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"],
    }


def page_callback(output: str, values: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    """An interaction's output and values as posted: ``_pages PATH`` (opening a page) is the
    page container's callback with the location set to PATH; any other output is as given."""
    if not output.startswith("_pages "):
        return output, values
    path = output.removeprefix("_pages ")
    return (_key("_pages_content.children", "_pages_store.data"),
            {**values, "_pages_location.pathname": path, "_pages_location.search": ""})


def _post(client, app: dash.Dash, output: str, values: Mapping[str, Any]) -> float:
    """Post one callback (or GET a download); milliseconds until the answer."""
    if output.startswith("GET "):
        started = time.perf_counter()
        response = client.get(output.removeprefix("GET "))
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise BenchError(f"{output} answered {response.status_code}")
        return elapsed
    output, values = page_callback(output, values)
    started = time.perf_counter()
    response = post_callback(client, app, output, values)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise BenchError(f"{output} answered {response.status_code}: "
                         f"{response.get_data(as_text=True)[:300]}")
    return elapsed


def _value(dependency: Mapping[str, str], values: Mapping[str, Any]) -> dict:
    key = f"{dependency['id']}.{dependency['property']}"
    return {**dependency, "value": values.get(key)}


def _summary(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}
