"""What ``cxbridge incidents`` does (``pipelines/app/cli.py`` only parses its options).

The queue's order (:data:`cxbridge.models.incidents.queue.QUEUE_RULE`, ``queue.sql``): acute
incidents before chronic ones. An outage is always acute; a degradation (congestion, slow
service) becomes chronic once it has lasted longer than ``chronic_after_days`` ([incidents] in
cxbridge.toml), so the minutes a months-old congestion accumulates never bury a fresh outage.

A care list with contact details (``--care ID --contacts``, shown or exported) is personal data
leaving the product: it is recorded in the audit log (:mod:`cxbridge.platform.audit`).

The workflow of an incident (:mod:`cxbridge.platform.workflow`, the store beside the snapshots
that every new run keeps): ``cxbridge incidents ack ID``, ``assign ID --to NAME``,
``note ID TEXT``, ``handover ID [--out FILE] [--ticket-id X]`` (the TMF621 TroubleTicket, printed
or written to FILE: cxbridge sends it nowhere) and ``history ID``. The actor is the account
running the command, in the role ``command line``; each change is also in the audit log. The
incident must be in the current snapshot (what the dashboard shows); ``history`` also reads an
incident gone from it."""

from __future__ import annotations

import getpass
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from cxbridge.platform import audit

if TYPE_CHECKING:  # the models, the warehouse and polars load when a command runs, not on import
    from cxbridge.platform.settings import Settings
    from cxbridge.platform.workflow import Actor, WorkflowStore

# its help is the docstring of its callback, ``incidents`` in pipelines/app/cli.py
incidents_app = typer.Typer(invoke_without_command=True)


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
    from cxbridge.models.incidents.build import refresh
    from cxbridge.models.incidents.params import Params
    from cxbridge.platform import runs, warehouse

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
    from cxbridge.models.incidents.queue import read_queue
    from cxbridge.models.incidents.tmf656 import export_problems

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
    from cxbridge.models.incidents.queue import queue_table, short_score

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
    from cxbridge.models.incidents.queue import short_score

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
    from cxbridge.models.incidents.tmf656 import export_problems, problem_for

    problem = problem_for(con, options.problem)
    if options.export:
        path = export_problems(con, [options.problem], settings.exports_dir)[0]
        notes.print(f"Wrote {path}")
    print(json.dumps(problem, indent=2))


def _care(con, settings: Settings, options: Options, console: Console, notes: Console
          ) -> None:
    from cxbridge.models.incidents.care import care_list, export_care_list

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


# --- the workflow of one incident ---------------------------------------------------------

IncidentId = Annotated[str, typer.Argument(help="The incident id, as `cxbridge incidents` "
                                                "shows it.", show_default=False)]


def _workflow(incident_id: str | None = None) -> tuple[WorkflowStore, Actor, dict | None]:
    """The store the settings name, the actor (this account, role ``command line``), and the
    incident's row in the current snapshot (checked to exist when ``incident_id`` is given)."""
    from cxbridge.platform.settings import load_settings
    from cxbridge.platform.workflow import Actor, WorkflowStore, require_known

    settings = load_settings()
    store = WorkflowStore(settings.dashboard.workflow_file, settings.dashboard.audit_file)
    actor = Actor(getpass.getuser(), "command line", "local", "cli")
    if incident_id is None:
        return store, actor, None
    return store, actor, current_incident(settings, incident_id, require_known)


def current_incident(settings: Settings, incident_id: str, require_known) -> dict:
    """The incident's row in the current snapshot, read as the dashboard reads it (the same
    row the dashboard's hand-over builds its ticket from); refused when it is not there."""
    from cxbridge.dashboards.data_access import SnapshotReader
    from cxbridge.platform.workflow import WorkflowError

    reader = SnapshotReader(settings)  # read-only: a run may publish meanwhile
    # only the tables the row is read from: a snapshot an earlier cxbridge published, without
    # a table a later one added for another view of incidents, still has its incidents
    if reader.missing_for("incident_detail"):
        raise WorkflowError("the current snapshot holds no incidents: run `cxbridge run` (it "
                            "builds them when alarms or PM counters are loaded)")
    incident = reader.incident(incident_id)
    require_known(incident_id, incident is not None)
    return incident


def _said(outcome) -> None:
    Console(stderr=not outcome.changed).print(escape(outcome.message), highlight=False)


@incidents_app.command("ack")
def acknowledge(incident_id: IncidentId) -> None:
    """Acknowledge an incident (someone is on it); twice changes nothing."""
    store, actor, _ = _workflow(incident_id)
    _said(store.acknowledge(incident_id, actor))


@incidents_app.command("assign")
def assign(
    incident_id: IncidentId,
    to: Annotated[str, typer.Option("--to", help="Whom to give it to (a name, at most 64 "
                                                 "characters).", show_default=False)],
) -> None:
    """Assign an incident to someone."""
    store, actor, _ = _workflow(incident_id)
    _said(store.assign(incident_id, to, actor))


@incidents_app.command("note")
def note(
    incident_id: IncidentId,
    text: Annotated[str, typer.Argument(help="The note (quote it; at most 2,000 characters).",
                                        show_default=False)],
) -> None:
    """Add a note to an incident (what was done or found)."""
    store, actor, _ = _workflow(incident_id)
    _said(store.add_note(incident_id, text, actor))


@incidents_app.command("handover")
def handover(
    incident_id: IncidentId,
    out: Annotated[Path | None, typer.Option(help="Write the TMF621 TroubleTicket to this "
                                                  "file (else it is printed).")] = None,
    ticket_id: Annotated[str | None, typer.Option(
        help="The ticket id your ticketing tool gave it (else CXB-TT-<incident id>).")] = None,
) -> None:
    """Hand an incident over to a trouble ticket (TMF621), printed or written to a file.

    The TroubleTicket create payload (name, description, severity and priority from the
    impact, the ServiceProblem and root resource, the notes), recorded in the workflow store.
    cxbridge sends it nowhere: give it to your ticketing tool. Handed over already: the same
    payload again, nothing recorded."""
    from cxbridge.models.incidents.tmf621 import hand_over

    store, actor, incident = _workflow(incident_id)
    outcome, payload = hand_over(store, incident, actor, ticket_id)
    text = json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    _said(outcome)
    if out is not None:
        Console(stderr=True).print(f"Wrote {escape(str(out))}", highlight=False)


@incidents_app.command("history")
def history(incident_id: IncidentId) -> None:
    """An incident's workflow: its state and every action, newest first.

    Also for an incident that a newer snapshot no longer holds."""
    store, _, _ = _workflow()
    console = Console()
    events = store.history(incident_id)
    if not events:
        console.print(f"Nobody has acted on {escape(incident_id)} yet (state: new)",
                      highlight=False)
        return
    state = store.state(incident_id)
    console.print(workflow_summary(state), highlight=False)
    table = Table("at (UTC)", "who", "role", "action", "what", title_justify="left",
                  title=f"Workflow of {escape(incident_id)}, newest first")
    table.columns[0].no_wrap = True
    table.columns[4].overflow = "fold"  # a ticket id is copied elsewhere: never cut to "…"
    for event in events:
        what = event.note if event.action == "note" else event.value or ""
        table.add_row(event.at[:19].replace("T", " "), escape(event.user),
                      escape(event.role), event.action, escape(what))
    console.print(table)


def workflow_summary(state) -> str:
    """One line: the state, the assignee, the ticket."""
    parts = [f"{state.incident_id}: {state.label}"]
    if state.assignee:
        parts.append(f"assigned to {state.assignee}")
    if state.ticket_id:
        parts.append(f"ticket {state.ticket_id}")
    parts.append(f"{state.notes} note(s)")
    return escape(" · ".join(parts))
