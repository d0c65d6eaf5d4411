"""``cxbridge whatif …``: projections of what has not happened yet (issue 19).

``cxbridge whatif planned --resource ID [--resource ID …] --start ISO --hours H [--json]
[--best-window] [--notify-export [--contacts]]``: the services, customers, enterprise SLAs and
monthly revenue that planned work on those resources would hurt (the incident-impact rules,
:mod:`cxbridge.models.whatif.planned`); with ``--best-window``, the least-harm start over the
next 14 days and every candidate's session-minutes; with ``--notify-export``, the customers to
tell in advance as CSV under ``<home>/exports/planned/`` (contact details only with
``--contacts``, for care, recorded in the audit log).

Imports only typer and rich at module level; the models and the warehouse load when the
command runs, so ``cxbridge --help`` stays fast.
"""

from __future__ import annotations

import getpass
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from cxbridge.platform.errors import UserError

if TYPE_CHECKING:
    from cxbridge.models.whatif.planned import Projection
    from cxbridge.platform.settings import Settings

whatif_app = typer.Typer(help="What if: planned work's customer impact before it happens.",
                         no_args_is_help=True, add_completion=False)


class StartError(UserError, ValueError):
    """A --start that is not an ISO 8601 date and time."""


def parse_start(text: str) -> datetime:
    """``--start``: ISO 8601 (``2026-12-08T01:00``, ``…Z``, ``…+01:00``); without a zone,
    UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise StartError(f"--start {text!r} is not an ISO 8601 date and time: write it like "
                         "2026-12-08T01:00 (UTC) or 2026-12-08T01:00+01:00") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@whatif_app.command()
def planned(
    resource: Annotated[list[str], typer.Option(
        "--resource", help="A resource the work takes down (repeat for several: taken down "
                           "together, so both members of a redundant pair count).")],
    start: Annotated[str, typer.Option(help="When the work starts, ISO 8601 (UTC when no "
                                            "zone is given).")],
    hours: Annotated[float, typer.Option(help="How long the work lasts, in hours.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    best_window: Annotated[bool, typer.Option(
        "--best-window", help="Also the least-harm start over the next 14 days, with every "
                              "candidate hour's session-minutes.")] = False,
    notify_export: Annotated[bool, typer.Option(
        "--notify-export", help="Write the customers to notify as CSV under "
                                "<home>/exports/planned/.")] = False,
    contacts: Annotated[bool, typer.Option(
        help="With --notify-export: add names, e-mails and phones (for care; recorded in the "
             "audit log).")] = False,
) -> None:
    """Project planned work: the services, customers, SLAs and revenue it would hurt."""
    from cxbridge.models.whatif.planned import planned_work, project
    from cxbridge.platform import warehouse
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    now = datetime.now(UTC)
    work = planned_work(resource, parse_start(start), hours, now=now)
    notes = Console(stderr=True) if as_json else Console()
    with warehouse.connect(settings, read_only=True) as con:
        projection = project(con, work, now=now, best_window=best_window)
        path = _export(con, settings, projection, contacts, notes) if notify_export else None
    if as_json:
        print(json.dumps(projection_document(projection, path), indent=2, default=str))
    else:
        _show(projection, Console())


def _export(con, settings: Settings, projection: Projection, with_contacts: bool,
            notes: Console):
    from cxbridge.models.whatif.planned import contacts, export_notify_list
    from cxbridge.platform import audit

    work = projection.work
    name = (f"{'_'.join(work.resources)[:80]}-{work.start:%Y%m%dT%H%M}"
            f"{'-contacts' if with_contacts else ''}.csv")
    details = (contacts(con, projection.notify["customer_id"].to_list())
               if with_contacts else None)
    path = export_notify_list(projection.notify, settings.exports_dir / "planned" / name,
                              details)
    if with_contacts:
        audit.record(settings.dashboard.audit_file, "export", user=getpass.getuser(),
                     role="command line", client="local", export="planned_notify_list",
                     rows=projection.notify.height, contacts=True, via="cli",
                     resources=" ".join(work.resources), to=str(path))
    notes.print(f"Wrote {path}")
    return path


def projection_document(projection: Projection, export_path=None) -> dict:
    """The projection as one JSON-ready dict."""
    work = projection.work
    document = {
        "resources": list(work.resources), "start": f"{work.start:%Y-%m-%dT%H:%M:%S}Z",
        "end": f"{work.end:%Y-%m-%dT%H:%M:%S}Z", "hours": work.hours,
        "shares_date": projection.shares_date, **projection.summary,
        "notify": projection.notify["customer_id"].to_list(),
    }
    if projection.harm is not None:
        from cxbridge.models.whatif.planned import least_harm

        best = least_harm(projection.harm)
        document["best_window"] = ({"start": f"{best['start']:%Y-%m-%dT%H:%M}Z",
                                    "session_minutes": round(best["session_minutes"], 1)}
                                   if best else None)
        document["access_resources"] = list(projection.access)
        document["candidates"] = [
            {"start": f"{s:%Y-%m-%dT%H:%M}Z", "session_minutes": round(m, 1)}
            for s, m in projection.harm.iter_rows()]
    if export_path is not None:
        document["notify_export"] = str(export_path)
    return document


def _show(projection: Projection, console: Console) -> None:
    work, summary = projection.work, projection.summary
    console.print(f"Planned work on {', '.join(work.resources)}: {work.start:%Y-%m-%d %H:%M} "
                  f"→ {work.end:%Y-%m-%d %H:%M} UTC ({work.hours:g} h)")
    if not summary["services"]:
        console.print("Hurts no customer service (redundancy or no service depends on it).")
    else:
        types = ", ".join(f"{n:,} {t}" for t, n in summary["by_cfs_type"].items())
        segments = ", ".join(f"{n:,} {s}" for s, n in summary["customers_by_segment"].items())
        console.print(f"{summary['services']:,} services ({types}) of "
                      f"{summary['customers']:,} customers ({segments})")
        console.print(f"Enterprise SLAs: {summary['sla_services']:,} services, "
                      f"{summary['sla_breached_services']:,} pushed past their monthly "
                      "allowance by this work alone")
        console.print(f"Monthly revenue of the customers hurt: "
                      f"€{summary['monthly_revenue_eur']:,.0f}")
        console.print(f"Customers to notify: {projection.notify.height:,} "
                      "(--notify-export writes them as CSV)")
    if projection.harm is not None:
        _show_harm(projection, console)


def _show_harm(projection: Projection, console: Console) -> None:
    from cxbridge.models.whatif.planned import least_harm

    best = least_harm(projection.harm)
    if best is None:
        return
    console.print(f"Least-harm start over the next 14 days: {best['start']:%a %Y-%m-%d %H:%M} "
                  f"UTC ({best['session_minutes']:,.0f} session-minutes on "
                  f"{len(projection.access):,} access resources)")
    table = Table("start (UTC)", "session-minutes", title="The 10 least harmful starts",
                  title_justify="left")
    for start, minutes in projection.harm.sort("session_minutes", "start").head(10).iter_rows():
        table.add_row(f"{start:%a %Y-%m-%d %H:%M}", f"{minutes:,.0f}")
    console.print(table)
