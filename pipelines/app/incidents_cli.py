"""What ``cxbridge incidents`` does (``pipelines/app/cli.py`` only parses its options).

The queue's order (:data:`cxbridge.models.incidents.queue.QUEUE_RULE`, ``queue.sql``): acute
incidents before chronic ones. An outage is always acute; a degradation (congestion, slow
service) becomes chronic once it has lasted longer than ``chronic_after_days`` ([incidents] in
cxbridge.toml), so the minutes a months-old congestion accumulates never bury a fresh outage.

A care list with contact details (``--care ID --contacts``, shown or exported) is personal data
leaving the product: it is recorded in the audit log (:mod:`cxbridge.platform.audit`)."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cxbridge.models.incidents.build import refresh
from cxbridge.models.incidents.care import care_list, export_care_list
from cxbridge.models.incidents.params import Params
from cxbridge.models.incidents.queue import queue_table, read_queue, short_score
from cxbridge.models.incidents.tmf656 import export_problems, problem_for
from cxbridge.platform import audit, runs, warehouse
from cxbridge.platform.settings import Settings


@dataclass(frozen=True)
class Options:
    limit: int = 20
    include_planned: bool = False
    include_cleared: bool = False
    as_json: bool = False
    problem: str | None = None
    care: str | None = None
    contacts: bool = False
    export: bool = False
    refresh: bool = False


def run(settings: Settings, options: Options, console: Console) -> None:
    """Print what the options ask for; with ``--json`` only JSON goes to stdout (notes such as
    the files written go to stderr)."""
    notes = Console(stderr=True) if options.as_json else console
    if options.refresh:  # a run of its own, with the config file's [incidents] overrides
        params = Params().with_overrides(settings.incidents, "config file [incidents]")
        with warehouse.connect(settings) as con, runs.recorded(con, "incidents refresh") as run:
            summary = refresh(con, params, run.run_id)
        notes.print(f"Refreshed in {summary.seconds:.2f} s: {summary.alarms_touched} "
                    f"alarm(s) changed, {summary.incidents_recomputed} incident(s) "
                    f"recomputed, {summary.incidents_total} in all")
    with warehouse.connect(settings, read_only=True) as con:
        if options.problem:
            _problem(con, settings, options, Console(stderr=True))
        elif options.care:
            _care(con, settings, options, console, notes)
        else:
            _queue(con, settings, options, console, notes)


def _queue(con, settings: Settings, options: Options, console: Console, notes: Console
           ) -> None:
    frame = read_queue(con, options.limit, options.include_planned, options.include_cleared)
    if options.export:
        paths = export_problems(con, frame["incident_id"].to_list(), settings.exports_dir)
        notes.print(f"Wrote {len(paths)} TMF656 ServiceProblem file(s) to "
                      f"{settings.exports_dir / 'tmf656'}")
    if options.as_json:
        print(json.dumps(frame.to_dicts(), indent=2, default=str))
        return
    which = "every incident" if options.include_cleared else "open incidents"
    if frame.is_empty():
        console.print(f"No {which} in the queue"
                      + ("" if options.include_cleared else " (--all shows cleared ones)"))
        return
    by_network = "priority_basis" in frame.columns and (
        frame["priority_basis"] == "network").all()
    title = (f"Fault queue by network impact: {which}, score in session-minutes on the cells "
             "and ports hurt (no customer services loaded; alarm severity alongside)"
             if by_network else
             f"Fault queue by customer impact: {which}, score in service-minutes (alarm "
             "severity alongside)")
    console.print(queue_view(frame, title, console.width))


def queue_view(frame, title: str, width: int) -> RenderableType:
    """The queue for a terminal ``width`` columns wide, every incident id whole (so it can be
    copied into ``--problem``): the full table of :func:`queue_table` when there is room for
    all of it, else a table of the main figures, else (80 columns) one stacked block per
    incident, its id on a line of its own and the figures below it. In a table only the
    incident's title (``what``) wraps."""
    longest = max(len(i) for i in frame["incident_id"])
    if width >= longest + 175:
        table = queue_table(frame, title)
        for column in table.columns[:-1]:
            column.no_wrap = True
        table.columns[1].min_width = longest
        return table
    if width >= longest + 105:
        return _compact_table(frame, title)
    network = frame["priority_basis"][0] == "network"
    blocks: list[RenderableType] = [Text(title, style="bold")]
    for row in frame.iter_rows(named=True):
        head = Text(f"#{row['rank']} ", style="bold", no_wrap=True, overflow="ignore")
        head.append(row["incident_id"], style="bold cyan")
        head.append(f"  {row['status']} · {row['worst_severity'] or '(silent)'} · "
                    f"score {short_score(row['priority_score'])}")
        blocks.append(head)
        parts = (f"{short_score(row['score_network'])} session-min on "
                 f"{row['network_resources'] or 0} resources" if network else " + ".join(
                     f"{short_score(row[c])} {name}" for c, name in _COMPONENTS))
        lines = [
            f"score = {parts}",
            f"{row['affected_customers'] or 0:,} customers, {row['affected_services'] or 0:,} "
            f"services, SLA VPNs {row['sla_services'] or 0} "
            f"({row['sla_breached_services'] or 0} breached), "
            f"€{row['revenue_at_risk_eur'] or 0:,.0f}/month at risk",
            f"since {row['started_at']:%m-%d %H:%M}, {row['duration_minutes'] or 0:,.0f} min: "
            f"{row['title']}",
        ]
        blocks.append(Padding(Text("\n".join(lines)), (0, 0, 1, 4)))
    return Group(*blocks)


def _compact_table(frame, title: str) -> Table:
    """The queue's main figures, one row per incident: every column but ``what`` unwrapped."""
    table = Table("#", "incident", "status", "severity", "score", "customers", "€/month at risk",
                  "since", "minutes", "what", title=title, title_justify="left")
    for column in table.columns[:-1]:
        column.no_wrap = True
    for row in frame.iter_rows(named=True):
        table.add_row(
            str(row["rank"]), row["incident_id"], row["status"],
            row["worst_severity"] or "(silent)", short_score(row["priority_score"]),
            f"{row['affected_customers'] or 0:,}", f"{row['revenue_at_risk_eur'] or 0:,.0f}",
            f"{row['started_at']:%m-%d %H:%M}", f"{row['duration_minutes'] or 0:,.0f}",
            row["title"])
    return table


_COMPONENTS = (("score_customer_minutes", "cust-min"), ("score_business", "business"),
               ("score_sla", "SLA"), ("score_revenue", "revenue"),
               ("score_experience", "experience"))


def _problem(con, settings: Settings, options: Options, notes: Console) -> None:
    """The problem is JSON whatever ``--json`` says: notes go to stderr."""
    problem = problem_for(con, options.problem)
    if options.export:
        path = export_problems(con, [options.problem], settings.exports_dir)[0]
        notes.print(f"Wrote {path}")
    print(json.dumps(problem, indent=2))


def _care(con, settings: Settings, options: Options, console: Console, notes: Console
          ) -> None:
    frame = care_list(con, options.care, options.contacts)
    path = None
    if options.export:
        path = export_care_list(con, options.care, settings.exports_dir, options.contacts)
        notes.print(f"Wrote {path}")
    if options.contacts:
        audit.record(settings.dashboard.audit_file, "export", user=getpass.getuser(),
                     role="command line", client="local", export="care_list",
                     rows=frame.height if path or options.as_json
                     else min(frame.height, options.limit),
                     contacts=True, via="cli", incident_id=options.care,
                     to=str(path) if path else ("stdout (json)" if options.as_json
                                                else "terminal"))
    if options.as_json:
        print(json.dumps(frame.to_dicts(), indent=2, default=str))
        return
    table = Table(*frame.columns, title=f"Proactive care for {options.care}: "
                                        f"{frame.height:,} customer(s)", title_justify="left")
    for column in table.columns:  # an id is copied elsewhere: not wrapped, never cut to "…"
        if str(column.header).endswith("_id"):
            column.no_wrap, column.overflow = True, "fold"
    for row in frame.head(options.limit).iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    if frame.height > options.limit:
        console.print(f"… {frame.height - options.limit:,} more (--limit, or --export for CSV)")
