"""``cxbridge outcomes …``: the closed loop seen from the command line.

``cxbridge outcomes actions [--since 7d] [--kind campaign|care] [--limit 50]`` lists the
dashboard's downloads that were recorded as actions (:mod:`cxbridge.platform.action_log`),
newest first: when (UTC), who and in which role, the kind (a campaign file or an incident's
care list), the campaign code or incident id, how many customers the list held, how many it
recorded new per arm, and how many that campaign or incident had recorded by then, treated and
control. A list downloaded again shows as a download that recorded nothing new. Customer ids are
not printed: the store holds them, this is the account of who handed out what. ``--customers
FILE`` also writes the recorded actions themselves (one row per customer of those campaigns and
care lists, recorded in that time: action id, customer id, when first sent, programme, offer,
channel, reason, arm, cost) as a CSV readable by its owner only: the store keeps each download's
customers as one compressed block, so this is how a person reads them.

Imports only typer and rich at module level; the store loads when the command runs.
"""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
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
    customers: Annotated[Path | None, typer.Option(
        help="Also write the recorded actions (customer by customer, same --since and --kind) "
             "to this CSV file (mode 0600: it holds customer ids).")] = None,
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
    moment = parse_moment("--since", since)
    found = log.exports(moment)
    if kind is not None:
        found = found.filter(found["kind"] == kind)
    if customers is not None:
        written = _write_actions(log, customers, moment, kind)
        console.print(f"{written:,} recorded action(s) written to {escape(str(customers))}.")
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


def _write_actions(log, target: Path, since, kind: str | None) -> int:
    """The recorded actions first sent at or after ``since`` (of ``kind``) as CSV at
    ``target``, mode 0600, written whole then renamed; the number of rows."""
    import polars as pl

    from cxbridge.platform.csv_export import write_csv
    from cxbridge.platform.private_file import private_writer

    actions = log.actions()
    if since is not None:
        actions = actions.filter(  # sent_at is UTC without its zone
            pl.col("sent_at") >= since.astimezone(UTC).replace(tzinfo=None))
    if kind is not None:
        actions = actions.filter(pl.col("action_id").str.starts_with(f"{kind}:"))
    try:
        with private_writer(target, "wb") as handle:
            written = write_csv(actions, handle)
    except OSError as error:
        raise OutcomesQueryError(f"--customers {target}: cannot write it ({error.strerror}); "
                                 "give a file in a folder this account can write") from error
    return written
