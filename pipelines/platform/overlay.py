"""The live overlay: the incident tables ``cxbridge live`` refreshed, published over the current
snapshot within a second, so the dashboard sees the queue change without waiting for a run.

Publishing a whole snapshot takes seconds to minutes (every mart is copied); after each batch
``cxbridge live`` changes only the tables the incident models build. Those tables (the snapshot
contract's :func:`overlay_tables`, sorted as the contract says) are copied into a small file
beside the snapshots, ``overlay-<base run>-<sequence>.duckdb``, and an ``OVERLAY`` pointer names
it. As for snapshots (:func:`cxbridge.platform.warehouse.publish_snapshot`) it is all or nothing:
the tables go into a ``.partial`` file, renamed once complete, then the pointer is replaced
(temporary file, rename), so a reader sees the previous overlay or the new one, never half of
one.

* **Stamped.** The file's name carries the run id of the snapshot it overlays and a sequence
  number (one more than the previous overlay's on the same snapshot); its ``overlay_info``
  table says the same, with the live run that published it and when.
* **Superseded.** An overlay applies only while the snapshot it was built over is current: a
  new ``cxbridge run`` publishes a snapshot that already holds everything the overlay held (the
  run rebuilds the days live touched), so from then on the overlay is ignored
  (:func:`current_overlay`) and the next publish removes it (:func:`remove_overlays`).
* **Pruned.** The newest :data:`OVERLAYS_KEPT` overlays are kept (a reader may be opening the
  previous one); older ones are removed.

* **Proportional to the change.** The large per-incident tables (:data:`PER_INCIDENT`: every
  service and customer a network-wide fault hurt) are not copied whole after each batch: the new
  overlay starts as a copy of the previous overlay's file (over the same snapshot), whose stamp
  lists each incident's impact fingerprint (``incidents.impact_fingerprints``, written by the
  incident models with the impact), and only the rows of the incidents whose fingerprint
  differs (new, changed, gone) are replaced; the small tables are copied whole. A full copy is
  made for the first overlay over a snapshot, after a full build of the incidents (a new
  fingerprint *generation*: the core tables may have changed), when the table list differs, and
  every :data:`FULL_COPY_EVERY` overlays (the replaced rows' space is then given back).

How readers apply it: :class:`cxbridge.platform.snapshot_reading.SnapshotReading` files every
cached result under the snapshot *and* the overlay, and reads through
:func:`cxbridge.platform.warehouse.open_overlaid`, where the overlay's tables shadow the
snapshot's.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import duckdb

from cxbridge.platform import runs, snapshot
from cxbridge.platform.settings import Settings
from cxbridge.platform.warehouse import (
    WarehouseError,
    copy_table,
    current_snapshot,
    quote_identifier,
    rows,
    table_exists,
)

OVERLAYS_KEPT = 3
POINTER = "OVERLAY"
INFO_TABLE = "overlay_info"  # the stamp inside each overlay file (not a shadowing table)
_NAME = re.compile(r"^overlay-(?P<base>.+)-(?P<seq>\d{8})\.duckdb$")
# the overlay tables kept per incident that grow with an incident's reach (a fault hurting every
# customer lists each of them): an overlay replaces only the changed incidents' rows of these
PER_INCIDENT = ("incidents.incident_services", "incidents.care_list",
                "incidents.incident_access", "incidents.incident_hours",
                "incidents.impact_breakdown")
FINGERPRINTS = "incidents.impact_fingerprints"  # incident_id, fingerprint, generation
FULL_COPY_EVERY = 25  # overlays built by replacing rows before the next full copy


@dataclass(frozen=True)
class OverlayInfo:
    """One published overlay: the snapshot run it overlays, its sequence number on that
    snapshot, its file, and when it was published (the file's modification time, seconds since
    the epoch)."""

    base_run_id: str
    seq: int
    path: Path
    published_at: float


def overlay_tables() -> tuple[str, ...]:
    """The published tables an overlay carries: those the snapshot contract says the incident
    stage builds in the ``incidents`` schema, i.e. what the live refresh
    (:func:`cxbridge.models.incidents.build.refresh`) rewrites. The planned-work lookups the
    stage also builds (``whatif.*``) come from the topology, which live does not change."""
    return tuple(name for name in snapshot.built_by("incidents")
                 if name.startswith("incidents."))


def overlay_name(base_run_id: str, seq: int) -> str:
    """The file name of overlay ``seq`` over the snapshot of run ``base_run_id``."""
    return f"overlay-{base_run_id}-{seq:08d}.duckdb"


def _pointer(settings: Settings) -> Path:
    return settings.snapshots_dir / POINTER


def _parse(settings: Settings, name: str) -> OverlayInfo | None:
    match = _NAME.match(name)
    if not match:
        return None
    path = settings.snapshots_dir / name
    try:
        published = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return OverlayInfo(match["base"], int(match["seq"]), path, published)


def latest_overlay(settings: Settings) -> OverlayInfo | None:
    """The overlay the pointer names, whatever snapshot it was built over (None: none, or its
    file is gone)."""
    try:
        name = _pointer(settings).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return _parse(settings, name)


def current_overlay(settings: Settings, base_run_id: str) -> OverlayInfo | None:
    """The overlay readers of the snapshot of run ``base_run_id`` apply now: the one the pointer
    names, if it was built over that snapshot (an overlay of an older snapshot is ignored: the
    newer snapshot holds what it held)."""
    latest = latest_overlay(settings)
    return latest if latest is not None and latest.base_run_id == base_run_id else None


def publish_overlay(con: duckdb.DuckDBPyConnection, settings: Settings,
                    tables: Sequence[str] | None = None,
                    order_by: Mapping[str, str] | None = None,
                    run_id: str = "") -> OverlayInfo | None:
    """Copy ``tables`` (qualified warehouse names; default :func:`overlay_tables`, those the
    warehouse has, sorted as :data:`cxbridge.platform.snapshot.PUBLISH_ORDER` says) into a new
    overlay over the current snapshot and make it current (see the module). ``run_id``: the live
    run publishing it, for the stamp. None when no snapshot is published yet (nothing to
    overlay: the first ``cxbridge run`` publishes everything)."""
    try:
        base = current_snapshot(settings).run_id
    except WarehouseError:  # no snapshot yet: nothing to overlay
        return None
    if tables is None:
        present = {f"{s}.{t}" for s, t in con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database()").fetchall()}
        tables = [name for name in overlay_tables() if name in present]
    order = snapshot.PUBLISH_ORDER if order_by is None else order_by
    tables = list(tables)
    previous = current_overlay(settings, base)
    seq = previous.seq + 1 if previous else 1
    final = settings.snapshots_dir / overlay_name(base, seq)
    partial = final.with_name(final.name + ".partial")
    _remove(partial)
    now = _fingerprints(con) if any(t in PER_INCIDENT for t in tables) else None
    delta = _delta(con, previous, tables, now, seq)
    try:
        if delta is not None:
            shutil.copyfile(previous.path, partial)
        con.execute("attach $path as overlay_out", {"path": str(partial)})
        try:
            for qualified in tables:
                if delta is not None and qualified in PER_INCIDENT:
                    _replace_rows(con, qualified, delta.changed, order.get(qualified))
                    continue
                if delta is not None:
                    con.execute("drop table if exists overlay_out."
                                + quote_identifier(qualified).rpartition(".")[2])
                copy_table(con, quote_identifier(qualified), "overlay_out", order.get(qualified))
            con.execute(f"drop table if exists overlay_out.{INFO_TABLE}")
            generation, prints = now if now else (None, {})
            con.execute(
                f"create table overlay_out.{INFO_TABLE} as select $base as base_run_id, "
                "$seq as seq, $run as run_id, $at as published_at, "
                "cast($tables as varchar[]) as tables, $generation as generation, "
                "$full_seq as full_seq, cast($ids as varchar[]) as incident_ids, "
                "cast($prints as varchar[]) as fingerprints",
                {"base": base, "seq": seq, "run": run_id, "at": runs.now(), "tables": tables,
                 "generation": generation, "full_seq": delta.full_seq if delta else seq,
                 "ids": list(prints), "prints": list(prints.values())})
            con.execute("checkpoint overlay_out")
        finally:
            with suppress(duckdb.Error):  # the first error is the one to report
                con.execute("detach overlay_out")
        os.replace(partial, final)
    except BaseException:
        _remove(partial)
        raise
    pointer_tmp = _pointer(settings).with_suffix(".tmp")
    try:
        pointer_tmp.write_text(final.name + "\n", encoding="utf-8")
        os.replace(pointer_tmp, _pointer(settings))
    except BaseException:
        pointer_tmp.unlink(missing_ok=True)
        final.unlink(missing_ok=True)
        raise
    _prune(settings, keep=final)
    return _parse(settings, final.name) or OverlayInfo(base, seq, final, time.time())


@dataclass(frozen=True)
class _Delta:
    """An overlay built from the previous one: the incidents whose rows of the
    :data:`PER_INCIDENT` tables are replaced, and the sequence number of the full copy it
    descends from."""

    changed: list[str]
    full_seq: int


def _fingerprints(con) -> tuple[str, dict[str, str]] | None:
    """The warehouse's impact fingerprints: their generation and each incident's (None: the
    incident models keep none, not one for every incident, or not all of one generation)."""
    if not table_exists(con, FINGERPRINTS) or not table_exists(con, "incidents.incidents"):
        return None
    found = rows(con, f"select incident_id, fingerprint, generation from {FINGERPRINTS}")
    generations = {generation for _, _, generation in found}
    prints = {incident: print_ for incident, print_, _ in found}
    if len(generations) != 1 or None in generations or len(prints) != len(found):
        return None
    incidents = {i for (i,) in rows(con, "select incident_id from incidents.incidents")}
    return (generations.pop(), prints) if incidents == set(prints) else None


def _delta(con, previous: OverlayInfo | None, tables: list[str],
           now: tuple[str, dict[str, str]] | None, seq: int) -> _Delta | None:
    """Whether the new overlay can be the previous one with only the changed incidents' rows
    replaced (see the module), and which incidents those are; None: copy everything."""
    if previous is None or now is None:
        return None
    try:
        con.execute("attach $path as overlay_previous (read_only)", {"path": str(previous.path)})
    except duckdb.Error:  # pruned or unreadable meanwhile: a full copy
        return None
    try:
        stamp = rows(con, f"select tables, generation, full_seq, incident_ids, fingerprints "
                          f"from overlay_previous.{INFO_TABLE}")
    except duckdb.Error:  # an overlay stamped before deltas existed
        return None
    finally:
        with suppress(duckdb.Error):
            con.execute("detach overlay_previous")
    if len(stamp) != 1:
        return None
    old_tables, generation, full_seq, ids, prints = stamp[0]
    if (list(old_tables or []) != tables or generation != now[0] or full_seq is None
            or seq - full_seq >= FULL_COPY_EVERY):
        return None
    before = dict(zip(ids or [], prints or [], strict=True))
    changed = sorted(incident for incident in set(before) | set(now[1])
                     if before.get(incident) != now[1].get(incident))
    return _Delta(changed, full_seq)


def _replace_rows(con, qualified: str, incidents: list[str], order: str | None) -> None:
    """In the overlay being built (a copy of the previous one), the rows of ``incidents`` of
    one per-incident table replaced by the warehouse's."""
    if not incidents:
        return
    name = quote_identifier(qualified).rpartition(".")[2]
    con.execute(f"delete from overlay_out.{name} where incident_id in "
                "(select unnest(cast($ids as varchar[])))", {"ids": incidents})
    con.execute(f"insert into overlay_out.{name} select * from {quote_identifier(qualified)} "
                "where incident_id in (select unnest(cast($ids as varchar[])))"
                + (f" order by {order}" if order else ""), {"ids": incidents})


def remove_overlays(settings: Settings, base_run_id: str | None = None) -> list[Path]:
    """Remove every overlay not built over the snapshot of run ``base_run_id`` (all of them when
    None), and the pointer when it names one of them; what was removed. A reader that has one
    open keeps reading it (POSIX); its next read sees the new snapshot."""
    folder = settings.snapshots_dir
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.glob("overlay-*.duckdb*"):
        match = _NAME.match(path.name.removesuffix(".partial").removesuffix(".wal"))
        if match is None or match["base"] != base_run_id:
            path.unlink(missing_ok=True)
            removed.append(path)
    latest = latest_overlay(settings)
    if _pointer(settings).exists() and (latest is None or latest.base_run_id != base_run_id):
        _pointer(settings).unlink(missing_ok=True)
        removed.append(_pointer(settings))
    return sorted(removed)


def _prune(settings: Settings, keep: Path) -> None:
    """Keep the newest :data:`OVERLAYS_KEPT` overlays of the current snapshot, remove the rest
    and every overlay of an older snapshot."""
    base = _NAME.match(keep.name)["base"]
    remove_overlays(settings, base)
    mine = sorted((p for p in settings.snapshots_dir.glob(f"overlay-{base}-*.duckdb")
                   if _NAME.match(p.name)), key=lambda p: p.name, reverse=True)
    for old in mine[OVERLAYS_KEPT:]:
        if old != keep:
            old.unlink(missing_ok=True)


def _remove(partial: Path) -> None:
    for path in (partial, partial.with_name(partial.name + ".wal")):
        path.unlink(missing_ok=True)
