"""``cxbridge whatif campaign``: a campaign's network impact before it goes out (issue 19).

``cxbridge whatif campaign [--offers upsell,retention] [--bands high,medium] [--gives
data_boost] [--region R …] [--code C] [--control 10] [--json] [--report]``: the campaign the
marketing builder would make with those choices (the same target list: who it reaches, minus
its control group), projected on the current snapshot (:mod:`cxbridge.dashboards.review_reader`,
:mod:`cxbridge.models.whatif.campaign`): the verdict per region, the cells and PON ports flagged
to congest, the phased list's sizes and the assumptions; ``--report`` writes the review page's
CSV report under ``<home>/exports/campaigns/`` (customer ids, no contact details; recorded in
the audit log). The same link the page shares is printed, so marketing and operations can open
the review.

The lead registers :func:`campaign` under the ``whatif`` group
(``whatif_app.command("campaign")(campaign)``). Imports only typer and rich at module level.
"""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlencode

import typer
from rich.console import Console
from rich.table import Table

from cxbridge.platform.errors import UserError

if TYPE_CHECKING:
    from cxbridge.models.whatif.campaign import Projection

GIVES = ("campaign", "data_boost", "speed_upgrade", "tv_bundle")


class CampaignChoiceError(UserError, ValueError):
    """An --offers, --bands or --gives value the builder does not know."""


def _names(raw: str | None, allowed: tuple[str, ...], option: str) -> tuple[str, ...]:
    """A comma-separated subset of ``allowed`` (all of them when not given)."""
    if raw is None:
        return allowed
    asked = [v.strip().lower() for v in raw.split(",") if v.strip()]
    unknown = [v for v in asked if v not in allowed]
    if unknown or not asked:
        raise CampaignChoiceError(f"{option} {raw!r}: choose among {', '.join(allowed)} "
                                  f"(comma-separated, e.g. {option} {allowed[0]})")
    return tuple(v for v in allowed if v in asked)


def campaign(
    offers: Annotated[str | None, typer.Option(
        help="The builder's offers, comma-separated: service_recovery, retention, upsell.",
        show_default="all")] = None,
    bands: Annotated[str | None, typer.Option(
        help="Churn risk bands, comma-separated: high, medium, low.",
        show_default="all")] = None,
    gives: Annotated[str, typer.Option(
        help="What taking the offer up gives: campaign (as each customer's offer), "
             "data_boost, speed_upgrade or tv_bundle.")] = "campaign",
    region: Annotated[list[str] | None, typer.Option(
        help="Only customers of this region (repeat for several).")] = None,
    code: Annotated[str, typer.Option(help="Campaign code (decides the control group).")] = "",
    control: Annotated[float, typer.Option(help="Control group, per cent (0–50).")] = 10.0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    report: Annotated[bool, typer.Option(
        "--report", help="Write the review's CSV report under <home>/exports/campaigns/ "
                         "(recorded in the audit log).")] = False,
) -> None:
    """Project a campaign's load on the cells and PON ports serving its targets: verdict per
    region, resources flagged to congest, and a phased list that stays within capacity."""
    from dataclasses import replace

    from cxbridge.dashboards import campaign as builder
    from cxbridge.dashboards import review_reader
    from cxbridge.dashboards.data_access import SnapshotReader
    from cxbridge.models.whatif.campaign import configured_offers
    from cxbridge.platform.settings import load_settings

    choice = builder.CampaignChoice(
        _names(offers, tuple(builder.OFFERS), "--offers"),
        _names(bands, builder.RISK_BANDS, "--bands"), builder.clean_code(code),
        builder.percent_rate(control))
    if gives not in GIVES:
        raise CampaignChoiceError(f"--gives {gives!r}: choose among {', '.join(GIVES)}")
    settings = load_settings()
    reader = SnapshotReader(settings)
    missing = review_reader.missing(reader)
    if missing:
        raise CampaignChoiceError(f"the current snapshot has no campaign tables "
                                  f"({', '.join(missing)}): run `cxbridge run` to build them")
    filters = reader.filter_options().default
    if region:
        filters = replace(filters, regions=tuple(region))
    targets = review_reader.with_content(
        review_reader.campaign_targets(reader, filters, choice), gives)
    projection = review_reader.review(reader, targets, configured_offers(settings.whatif))
    pairs = builder.choice_to_pairs(choice, always=True) + [("content", gives)]
    link = "/review?" + "&".join(q for q in (filters.to_query().lstrip("?"),
                                             urlencode(pairs, safe=",")) if q)
    path = _report(settings, reader, projection, choice, filters, link) if report else None
    if as_json:
        print(json.dumps(document(projection, targets.height, link, path), indent=2,
                         default=str))
    else:
        _show(projection, targets.height, link, path, Console())


def _report(settings, reader, projection: Projection, choice, filters, link: str):
    """The review's CSV report under ``<home>/exports/campaigns/``, recorded in the audit
    log."""
    from cxbridge.dashboards import campaign as builder
    from cxbridge.dashboards import review_reader
    from cxbridge.platform import audit
    from cxbridge.platform.csv_export import write_csv

    frame = review_reader.report_frame(projection)
    code = builder.campaign_code(choice, filters.end)
    path = settings.exports_dir / "campaigns" / f"review-{code}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_csv(frame, handle)
    audit.record(settings.dashboard.audit_file, "export", user=getpass.getuser(),
                 role="command line", client="local", export="campaign_review",
                 rows=frame.height, contacts=False, via="cli", campaign_code=code,
                 targets=projection.phased.height, query=link, to=str(path),
                 snapshot=reader.snapshot_info().run_id)
    return path


def document(projection: Projection, targets: int, link: str, path=None) -> dict:
    """The projection as one JSON-ready dict."""
    flagged = projection.resources.filter(projection.resources["flagged"])
    may = projection.resources.filter(projection.resources["may_congest"])
    phases = projection.phased["phase"].value_counts().sort("phase")
    return {
        "targets": targets, "threshold_pct": round(projection.threshold_pct, 2),
        "regions": projection.regions.to_dicts(),
        "flagged_resources": flagged.select(
            "resource_id", "resource_type", "region", "targets", "busy_util_pct",
            "after_util_pct", "already_congested").to_dicts(),
        "may_congest_resources": may.select(
            "resource_id", "resource_type", "region", "targets", "busy_util_pct",
            "after_util_pct", "after_high_util_pct").to_dicts(),
        "resources_serving": projection.resources.height,
        "customers_affected": projection.affected.height,
        "revenue_at_stake_eur": round(float(projection.affected["monthly_revenue_eur"].sum()),
                                      2),
        "phases": {f"phase_{p}": n for p, n in phases.iter_rows()},
        "assumptions": projection.assumptions.to_dicts(),
        "review_link": link,
        "report": str(path) if path else None,
    }


def _show(projection: Projection, targets: int, link: str, path, console: Console) -> None:
    doc = document(projection, targets, link, path)
    regions = Table(title=f"Campaign of {targets:,} targets: verdict per region "
                          f"(threshold {doc['threshold_pct']:g} %)")
    for name in ("region", "verdict", "targets", "flagged", "may congest", "customers affected",
                 "revenue at stake €/month"):
        regions.add_column(name, justify="left" if name in ("region", "verdict") else "right")
    for r in doc["regions"]:
        regions.add_row(r["region"], r["verdict"], f"{r['targets']:,}", f"{r['flagged']:,}",
                        f"{r['may_congest']:,}", f"{r['customers_affected']:,}",
                        f"{r['revenue_at_stake_eur']:,.0f}")
    console.print(regions)
    if doc["flagged_resources"]:
        console.print(_resources_table("Flagged to congest", doc["flagged_resources"]))
    if doc["may_congest_resources"]:
        console.print(_resources_table(
            "May congest (within the planning margin, or at the high end of an unproven "
            "offer's range)", doc["may_congest_resources"], high=True))
    phases = doc["phases"]
    console.print(f"Phase 1: {phases.get('phase_1', 0):,} targets within capacity; phase 2: "
                  f"{phases.get('phase_2', 0):,} once the flagged resources have more.")
    for a in doc["assumptions"]:
        if a["cfs_type"]:
            high = (f"; up to {a['extra_high']:g}× the extra load while it has no history"
                    if a["extra_high"] > 1 else "")
            console.print(f"  {a['offer']}: take-up {a['take_up']:.0%}, {a['cfs_type']} "
                          f"×{a['uplift']:.2f} ({a['source']}{high})")
    console.print(f"Review together: {link}")
    if path:
        console.print(f"Wrote {path}")


def _resources_table(title: str, rows: list[dict], high: bool = False) -> Table:
    """Cells and ports as the terminal lists them; ``high``: with the range's high end."""
    table = Table(title=title)
    for name in ("resource", "type", "region", "targets", "busy hour now", "projected",
                 *(("up to",) if high else ())):
        table.add_column(name)
    for r in rows:
        table.add_row(r["resource_id"], r["resource_type"], r["region"], f"{r['targets']:,}",
                      f"{r['busy_util_pct']:.0f} %", f"{r['after_util_pct']:.0f} %",
                      *((f"{r['after_high_util_pct']:.0f} %",) if high else ()))
    return table
