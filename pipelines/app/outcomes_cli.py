"""``cxbridge outcomes …``: the closed loop seen from the command line.

``cxbridge outcomes actions [--since 7d] [--kind campaign|care] [--limit 50]`` lists the
dashboard's downloads that were recorded as actions (:mod:`cxbridge.platform.action_log`),
newest first: when (UTC), who and in which role, the kind (a campaign file or an incident's
care list), the campaign code or incident id, how many customers the list held, how many it
recorded new per arm, and how many that campaign or incident had recorded by then, treated and
control. A list downloaded again shows as a download that recorded nothing new. Customer ids are
not printed: the store holds them, this is the account of who handed out what.

Imports only typer and rich at module level; the store loads when the command runs.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from cxbridge.app.audit_cli import parse_moment
from cxbridge.platform.errors import UserError

outcomes_app = typer.Typer(help="The closed loop: the campaign and care-list exports recorded "
                                "as actions, treated and control.",
                           no_args_is_help=True, add_completion=False)
KIND_LABELS = {"campaign": "campaign", "care": "care"}


class OutcomesQueryError(UserError):
    """A bad ``cxbridge outcomes`` option."""


@outcomes_app.command("actions")
def actions(
    since: Annotated[str | None, typer.Option(help="Downloads at or after this: 2026-12-01, "
                                                   "2026-12-01T08:00, or 7d / 12h before "
                                                   "now.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only campaign files or care lists: "
                                                  "campaign or care.")] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many downloads (the newest).",
                                       min=1)] = 50,
) -> None:
    """List the recorded exports, newest first: when, who, campaign code or incident, the
    customers listed, recorded new (treated, control) and recorded in all by then."""
    from cxbridge.platform.action_log import KINDS, ActionLog
    from cxbridge.platform.settings import load_settings

    console = Console()  # made per call: the terminal's width as it is now
    if kind is not None and kind not in KINDS:
        raise OutcomesQueryError(f"--kind {kind!r}: give campaign or care")
    settings = load_settings()
    log = ActionLog(settings.action_log_file)
    found = log.exports(parse_moment("--since", since))
    if kind is not None:
        found = found.filter(found["kind"] == kind)
    if found.is_empty():
        console.print(f"No recorded exports{' since ' + since if since else ''} in "
                      f"{escape(str(log.path))}: a campaign file or care list downloaded from "
                      "the dashboard is recorded there.")
        return
    table = Table(caption=f"{log.path}: customers listed; recorded new by the download and "
                          "recorded in all by then, treated / control",
                  caption_justify="left", box=box.SIMPLE_HEAD, pad_edge=False)
    for name in ("When, UTC", "Kind", "Code or incident", "Who", "Listed", "New", "In all"):
        table.add_column(name, justify="right" if name in ("Listed", "New", "In all")
                         else "left", overflow="fold", min_width=4)
    for row in found.head(limit).iter_rows(named=True):
        table.add_row(row["at"][:16].replace("T", " "), KIND_LABELS[row["kind"]],
                      escape(row["programme_key"]), escape(f"{row['user']} ({row['role']})"),
                      f"{row['listed']:,}", f"{row['new_treated']:,} / {row['new_control']:,}",
                      f"{row['treated']:,} / {row['control']:,}")
    console.print(table)
    lists = found.select("kind", "programme_key").unique().height
    shown = "" if found.height <= limit else f" (the newest {limit} shown: --limit)"
    console.print(f"{found.height:,} download(s) of {lists:,} campaign(s) and care list(s)"
                  f"{shown}; recorded new: {int(found['new_treated'].sum()):,} treated, "
                  f"{int(found['new_control'].sum()):,} control.")
