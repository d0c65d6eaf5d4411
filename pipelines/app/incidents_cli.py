"""What ``cxbridge incidents`` does (``pipelines/app/cli.py`` only parses its options).

A care list with contact details (``--care ID --contacts``, shown or exported) is personal data
leaving the product: it is recorded in the audit log (:mod:`cxbridge.platform.audit`)."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from cxbridge.models.incidents.build import refresh
from cxbridge.models.incidents.care import care_list, export_care_list
from cxbridge.models.incidents.params import Params
from cxbridge.models.incidents.queue import queue_table, read_queue
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
    console.print(queue_table(frame, title))


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
    for row in frame.head(options.limit).iter_rows():
        table.add_row(*("" if v is None else str(v) for v in row))
    console.print(table)
    if frame.height > options.limit:
        console.print(f"… {frame.height - options.limit:,} more (--limit, or --export for CSV)")
