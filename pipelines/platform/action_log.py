"""The recorded actions: every campaign file and proactive-care list the dashboard hands out,
customer by customer, treated or held out as control, recorded exactly once.

Where: ``actions.sqlite`` beside the incident workflow store (by default
``<home>/ops/actions.sqlite``: :attr:`cxbridge.platform.settings.Settings.action_log_file`;
this module takes the path as an argument). What: ``recorded_exports``, one row per download
(who, when, from which snapshot, at which control rate, how many it listed and how many it
recorded new per arm), and ``recorded_lists``, per download that recorded anyone new, those
customers with the arm the list drew for them, the programme (``campaign:<offer>``,
``care:incident follow-up``), offer, channel, reason (the risk band, the incident) and cost, as
one Arrow IPC blob (:data:`LIST_COLUMNS`). A recorded action is (kind, campaign code or incident
id, customer id). Stores written before 7 Dec 2026 hold their customers one row each in
``recorded_actions``; those are read with the lists and never written any more. The SQL is in
``pipelines/platform/sql/action_log/``.

Why one blob per download: a first download of a list of 100,000 wrote 100,000 B-tree rows, about
5 us each, most of the time the person waited for the file; the blob is written in a few
milliseconds. Reading the customers back (the job, a campaign downloaded again after a restart)
decodes the blobs, about 10 ms per 100,000.

Exactly once is the write's doing: every download is one ``BEGIN IMMEDIATE`` transaction (two
downloads go one after the other) that reads what the campaign or incident has recorded and
writes only the customers new to it. So a list downloaded twice, by two people at once, or again
after a new snapshot records only the customers new to that campaign or incident, and a customer
keeps the arm of their first recording (:meth:`ActionLog.record` gives the arms as recorded, so
the file sent agrees with the record). The tables are append-only (triggers refuse an update or
a delete).

Why SQLite, as the workflow store (:mod:`cxbridge.platform.workflow`): the dashboard writes
here while its snapshot is read-only, from several threads, and the job reads it while the
dashboard may write: WAL mode, a busy timeout, one transaction per download. Personal data:
customer ids only, never names, e-mails or phones. A store that cannot be used (not a database,
a folder not writable, a writer holding it past the busy timeout, a recorded list that cannot be
read) is an :class:`ActionLogError` naming the file and what to do: the dashboard then refuses
the download rather than send a list nobody recorded (a control group that is not recorded
cannot be measured, and a treated customer not recorded is a campaign nobody can account for).
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from cxbridge.platform.errors import UserError
from cxbridge.platform.sqlite_store import BUSY_TIMEOUT_MS, SqliteStore, stamp

SQL_DIR = Path(__file__).resolve().parent / "sql" / "action_log"
KINDS = ("campaign", "care")
ARMS = ("treated", "control")
KNOWN_LISTS = 16  # the lists whose recorded arms are kept in memory, the latest used
# what a list gives per customer (the arm and what the customer is offered, and why)
LIST_COLUMNS: dict[str, pl.DataType] = {
    "customer_id": pl.String(), "arm": pl.String(), "programme": pl.String(),
    "offer": pl.String(), "channel": pl.String(), "reason": pl.String(),
    "cost_eur": pl.Float64()}
# the actions feed's layout (pipelines/platform/ingest/sources/actions.py)
FEED_SCHEMA: dict[str, pl.DataType] = {
    "action_id": pl.String(), "customer_id": pl.String(), "sent_at": pl.Datetime("us"),
    "programme": pl.String(), "offer": pl.String(), "channel": pl.String(),
    "reason": pl.String(), "arm": pl.String(), "cost_eur": pl.Float64()}
EXPORT_SCHEMA: dict[str, pl.DataType] = {
    "export_id": pl.Int64(), "at": pl.String(), "kind": pl.String(),
    "programme_key": pl.String(), "user": pl.String(), "role": pl.String(),
    "via": pl.String(), "snapshot": pl.String(), "control_rate": pl.Float64(),
    "listed": pl.Int64(), "new_treated": pl.Int64(), "new_control": pl.Int64(),
    "treated": pl.Int64(), "control": pl.Int64()}


class ActionLogError(UserError, OSError):
    """The store cannot be opened, read or written; the message names the file and what to
    do."""


@dataclass(frozen=True)
class Recorded:
    """What one download recorded: its id, the customers recorded new per arm, and the arm of
    every customer of the list as recorded (``customer_id``, ``arm``; a customer recorded
    before keeps their first arm)."""

    export_id: int
    new_treated: int
    new_control: int
    arms: pl.DataFrame

    @property
    def new(self) -> int:
        return self.new_treated + self.new_control


def action_id(kind: str, programme_key: str, customer_id: str) -> str:
    """The identity of a recorded action, as the job sees it: ``<kind>:<key>:<customer>``."""
    return f"{kind}:{programme_key}:{customer_id}"


class ActionLog(SqliteStore):
    """The recorded-actions store at ``path`` (created with its folder on the first download,
    mode 0600); safe to share between threads (one SQLite connection per call). ``clock``: the
    time of a download (tests fix it); ``busy_timeout_ms``: how long a write waits for
    another."""

    def __init__(self, path: Path, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
        super().__init__(path, SQL_DIR / "schema.sql", busy_timeout_ms)
        self._clock = clock
        # (kind, key) → (arms_version, arms): the arms of the lists downloaded lately
        self._known: OrderedDict[tuple[str, str], tuple[tuple[int, int], pl.DataFrame]] = (
            OrderedDict())
        self._known_lock = threading.Lock()

    def record(self, kind: str, programme_key: str, listed: pl.DataFrame, *, user: str,
               role: str, via: str = "dashboard", snapshot: str | None = None,
               control_rate: float = 0.0,
               draw: Callable[[pl.Series], pl.Series] | None = None) -> Recorded:
        """Record the customers of one downloaded list (``listed``: :data:`LIST_COLUMNS`, one
        row per customer, ``arm`` treated or control) under ``kind`` and ``programme_key``
        (the campaign code, the incident id), in one transaction with the download's own row.
        A customer recorded for this key before is left as recorded. ``draw``: instead of an
        ``arm`` column, the control flags of the customers new to the list, drawn for them only
        (a customer recorded before keeps their arm, so there is nothing to draw for them)."""
        if kind not in KINDS:
            raise ValueError(f"kind {kind!r}: the kinds are {', '.join(KINDS)}")
        if not programme_key:
            raise ValueError("a recorded list needs its campaign code or incident id")
        columns = {c: t for c, t in LIST_COLUMNS.items() if draw is None or c != "arm"}
        rows = listed.select(pl.col(c).cast(t) for c, t in columns.items())
        bad = rows.filter(pl.col("customer_id").is_null() | (pl.col("customer_id") == "")
                          | (~pl.col("arm").is_in(ARMS) if draw is None else pl.lit(False)))
        if not bad.is_empty():
            raise ValueError(f"{bad.height} listed row(s) without a customer id or with an arm "
                             f"other than {' or '.join(ARMS)}")
        at = stamp(self._clock())
        key = {"kind": kind, "programme_key": programme_key}
        with self._transaction() as con:
            before = self._arms(con, key)
            # each listed customer with the arm recorded before (one join serves both the new
            # customers and the arms the file gets); only customers new to the list are written
            # (a list downloaded again writes nothing)
            if before["customer_id"].equals(rows["customer_id"]):
                # the same list again, in the same order (a download repeated): its arms are
                # the recorded ones as they are (matching 430,000 ids was 40 ms of it)
                joined = rows.select("customer_id", recorded=before["arm"])
            else:
                joined = rows.select("customer_id").join(
                    before.rename({"arm": "recorded"}), on="customer_id", how="left",
                    maintain_order="left")
            new = rows.filter(joined["recorded"].is_null())
            if new["customer_id"].n_unique() < new.height:  # counting is a sixth of dropping
                new = new.unique("customer_id", keep="first", maintain_order=True)
            if draw is not None:
                new = new.with_columns(arm=pl.when(draw(new["customer_id"])).then(
                    pl.lit("control")).otherwise(pl.lit("treated")))
            new_control = int((new["arm"] == "control").sum())
            new_treated = new.height - new_control
            export_id = con.execute(_sql("next_export.sql")).fetchone()[0]
            con.execute(_sql("add_export.sql"), {
                **key, "export_id": export_id, "at": at, "user": user, "role": role,
                "via": via, "snapshot": snapshot, "control_rate": control_rate,
                "listed": rows.height, "new_treated": new_treated, "new_control": new_control})
            if new.height:
                con.execute(_sql("add_list.sql"), {
                    **key, "export_id": export_id, "customers": new.height,
                    "customer_rows": _pack(new)})
        if new.height:
            stored = pl.concat([before, new.select("customer_id", "arm")])
            self._remember(key, (self.path.stat().st_ino, export_id), stored)
            arms = (new.select("customer_id", "arm") if new.height == rows.height
                    # every listed customer new, once each: the new rows are the list's
                    else rows.select("customer_id").join(stored, on="customer_id", how="left",
                                                         maintain_order="left"))
        else:  # every listed customer was recorded before: their arms are the joined ones
            arms = joined.select("customer_id", arm="recorded")
        return Recorded(export_id, new_treated, new_control, arms)

    def _arms(self, con, key: dict) -> pl.DataFrame:
        """The arms recorded for ``key`` (kind, programme_key), from memory while no download
        has added to them since they were read (``arms_version.sql``), else from the store: a
        list of 100,000 downloaded again is then one small read, not 100,000 rows."""
        # the store's file too: a damaged store moved aside starts its downloads from 1 again
        version = (self.path.stat().st_ino,
                   con.execute(_sql("arms_version.sql"), key).fetchone()[0])
        known = self._known.get((key["kind"], key["programme_key"]))
        if known is not None and known[0] == version:
            return known[1]
        arms = pl.concat([_arms(con.execute(_sql("arms.sql"), key).fetchall()), *(
            self._unpack(blob, export_id).select("customer_id", "arm")
            for export_id, blob in con.execute(_sql("lists.sql"), key).fetchall())])
        self._remember(key, version, arms)
        return arms

    def _remember(self, key: dict, version: tuple[int, int], arms: pl.DataFrame) -> None:
        with self._known_lock:
            self._known[(key["kind"], key["programme_key"])] = (version, arms)
            self._known.move_to_end((key["kind"], key["programme_key"]))
            while len(self._known) > KNOWN_LISTS:
                self._known.popitem(last=False)

    def exports(self, since: datetime | None = None) -> pl.DataFrame:
        """The downloads since ``since`` (all without it), newest first: :data:`EXPORT_SCHEMA`
        (``treated`` and ``control``: what its campaign or incident had recorded by then).
        Empty while there is no store (reading never creates it)."""
        if not self.path.is_file():
            return pl.DataFrame(schema=EXPORT_SCHEMA)
        with self._connection() as con:
            found = con.execute(_sql("exports.sql"),
                                {"since": stamp(since) if since else ""}).fetchall()
        return pl.DataFrame([tuple(r) for r in found], schema=EXPORT_SCHEMA, orient="row")

    def actions(self) -> pl.DataFrame:
        """Every recorded action in the actions feed's layout (:data:`FEED_SCHEMA`; ``sent_at``
        the first download that listed the customer, UTC), for the job's outcomes step. Empty
        while there is no store."""
        if not self.path.is_file():
            return pl.DataFrame(schema=FEED_SCHEMA)
        layout = {"kind": pl.String(), "programme_key": pl.String(), "sent_at": pl.String(),
                  **LIST_COLUMNS}  # actions.sql's columns, in its order
        with self._connection() as con:
            earlier = con.execute(_sql("actions.sql")).fetchall()
            lists = [self._unpack(blob, export_id).with_columns(
                kind=pl.lit(kind), programme_key=pl.lit(key), sent_at=pl.lit(at)).select(*layout)
                for export_id, kind, key, at, blob in con.execute(_sql("all_lists.sql")).fetchall()]
        found = pl.concat([pl.DataFrame([tuple(r) for r in earlier], schema=layout,
                                        orient="row"), *lists])
        return found.sort("sent_at", "kind", "programme_key", "customer_id").select(
            action_id=pl.concat_str("kind", "programme_key", "customer_id", separator=":"),
            customer_id="customer_id",
            sent_at=pl.col("sent_at").str.to_datetime("%Y-%m-%dT%H:%M:%S%.fZ", time_unit="us"),
            programme="programme", offer="offer", channel="channel", reason="reason",
            arm="arm", cost_eur="cost_eur")

    def _unpack(self, blob: bytes, which: object) -> pl.DataFrame:
        """One recorded list's customers (:data:`LIST_COLUMNS`); a blob that is not one is a
        damaged store, said as such."""
        try:
            frame = pl.read_ipc(io.BytesIO(blob))
            return frame.select(pl.col(c).cast(t) for c, t in LIST_COLUMNS.items())
        except (pl.exceptions.PolarsError, OSError, ValueError) as error:
            raise self.unusable(ValueError(
                f"the recorded list of download {which} cannot be read: {error}")) from error

    def unusable(self, error: Exception) -> ActionLogError:
        return ActionLogError(
            f"the recorded-actions store {self.path} cannot be used ({error}): check that it "
            "is a SQLite file its folder lets this account write (a damaged file: move it "
            "aside and keep it, the next download starts a new one); a busy store (another "
            f"writer for more than {self._busy_ms / 1000:g} s) only needs the download tried "
            "again")


def _arms(found: list) -> pl.DataFrame:
    """Rows of arms.sql as a frame (``customer_id``, ``arm``)."""
    return pl.DataFrame([tuple(r) for r in found], schema={"customer_id": pl.String,
                                                            "arm": pl.String}, orient="row")


def _pack(new: pl.DataFrame) -> bytes:
    """The customers a download recorded new, as recorded_lists keeps them."""
    buffer = io.BytesIO()
    new.select(pl.col(c).cast(t) for c, t in LIST_COLUMNS.items()).write_ipc(
        buffer, compression="zstd")
    return buffer.getvalue()


def _sql(name: str) -> str:
    return (SQL_DIR / name).read_text(encoding="utf-8")
