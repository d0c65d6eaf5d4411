"""``cxbridge audit``: read the audit log (who logged in, who took which export of personal
data, who acted on an incident), as an administrator of the machine does.

The log is the file the settings name (``[dashboard] audit_file``, by default
``<home>/audit/audit.jsonl``, mode 0600, so reading it takes the account that runs cxbridge).
``cxbridge audit`` shows the latest events as a table; ``--since``/``--until``, ``--event`` and
``--user`` narrow them; ``--csv FILE`` or ``--jsonl FILE`` exports what was chosen (the whole
selection, not the ``--limit`` shown), for a data-protection officer or an access review. A
damaged line is reported by its line number on standard error, never skipped quietly.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cxbridge.platform.errors import UserError

console = Console()
notes = Console(stderr=True)

# The columns shown and exported first; any other field of an event follows in ``details``.
COLUMNS = ("at", "event", "user", "role", "client", "export", "rows", "contacts", "via")


class AuditQueryError(UserError):
    """A bad ``cxbridge audit`` option (a date that does not parse, an unknown event)."""


def parse_moment(option: str, value: str | None) -> datetime | None:
    """``2026-12-01`` (midnight UTC), ``2026-12-01T08:00`` or with an offset, or ``7d``/``12h``
    (that long before now) as an aware datetime; None when not given."""
    if value is None:
        return None
    text = value.strip()
    if text[:-1].isdigit() and text[-1:] in ("d", "h"):
        amount = int(text[:-1])
        return datetime.now(UTC) - (timedelta(days=amount) if text.endswith("d")
                                    else timedelta(hours=amount))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AuditQueryError(f"{option} {value!r}: give a date (2026-12-01), a time "
                              f"(2026-12-01T08:00, UTC unless it has an offset) or a span "
                              f"before now (7d, 12h)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rows_of(events: list[dict]) -> list[dict[str, str]]:
    """The events as flat rows: the :data:`COLUMNS`, then every other field as JSON in
    ``details`` (an incident id, a file written to, a note's length …)."""
    rows = []
    for event in events:
        row = {name: "" if event.get(name) is None else str(event[name]) for name in COLUMNS}
        rest = {key: value for key, value in event.items() if key not in COLUMNS}
        row["details"] = json.dumps(rest, ensure_ascii=False, default=str) if rest else ""
        rows.append(row)
    return rows


def audit(
    since: Annotated[str | None, typer.Option(help="Events at or after this: 2026-12-01, "
                                                   "2026-12-01T08:00, or 7d / 12h before "
                                                   "now.")] = None,
    until: Annotated[str | None, typer.Option(help="Events before this (same forms).")] = None,
    event: Annotated[list[str] | None, typer.Option(
        help="Only this kind of event (repeat for several): login, login_failed, "
             "login_locked, logout, export, or an incident action.")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's events.")] = None,
    csv: Annotated[Path | None, typer.Option(help="Write the chosen events to this CSV "
                                                  "file.")] = None,
    jsonl: Annotated[Path | None, typer.Option(help="Write the chosen events to this file, "
                                                    "one JSON object per line.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many (the newest); exports "
                                            "hold all.")] = 50,
) -> None:
    """Read the audit log: logins, exports of personal data, incident actions."""
    import polars as pl

    from cxbridge.platform import audit as audit_log
    from cxbridge.platform.csv_export import write_csv
    from cxbridge.platform.settings import load_settings

    kinds = tuple(event or ())
    unknown = [kind for kind in kinds if kind not in audit_log.EVENTS]
    if unknown:
        raise AuditQueryError(f"--event {', '.join(unknown)}: the events are "
                              f"{', '.join(audit_log.EVENTS)}")
    path = load_settings().dashboard.audit_file
    log = audit_log.read_log(path)
    for number, cause in log.unreadable:
        notes.print(f"{path}:{number}: line skipped, {cause}", soft_wrap=True)
    chosen = audit_log.select_events(log.events, since=parse_moment("--since", since),
                                     until=parse_moment("--until", until), kinds=kinds,
                                     user=user)
    rows = rows_of(chosen)
    if csv is not None:
        frame = pl.DataFrame(rows, schema={name: pl.String for name in (*COLUMNS, "details")})
        write_csv(frame, csv)
        notes.print(f"Wrote {len(rows)} events to {csv}", soft_wrap=True)
    if jsonl is not None:
        jsonl.write_text("".join(json.dumps(e, ensure_ascii=False, default=str) + "\n"
                                 for e in chosen), encoding="utf-8")
        notes.print(f"Wrote {len(rows)} events to {jsonl}", soft_wrap=True)
    if csv is not None or jsonl is not None:
        return
    if not log.events and not log.unreadable:
        console.print(f"No audit events yet ({path} does not exist or is empty).")
        return
    shown = rows[-limit:] if limit > 0 else []
    console.print(shown_table(shown, f"Audit log: {len(rows)} of {len(log.events)} events"
                              + (f", the newest {len(shown)} shown"
                                 if len(shown) < len(rows) else "")))


def shown_table(rows: list[dict[str, str]], title: str) -> Table:
    """The rows as a terminal table that stays readable at 80 columns: the time to the second,
    the event, who (and their role), from where, and what in one column (the export, its rows,
    whether it held contact details, through what, and any other field)."""
    table = Table(title=title)
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("who", overflow="fold")
    table.add_column("from", overflow="fold")
    table.add_column("what", overflow="fold", ratio=1)
    for row in rows:
        who = row["user"] + (f" ({row['role']})" if row["role"] else "")
        what = [row["export"], f"{row['rows']} rows" if row["rows"] else "",
                "contact details" if row["contacts"] == "True" else "", row["via"],
                row["details"]]
        table.add_row(escape(row["at"][:19].replace("T", " ")), escape(row["event"]),
                      escape(who), escape(row["client"]),
                      escape(" · ".join(part for part in what if part)))
    return table
