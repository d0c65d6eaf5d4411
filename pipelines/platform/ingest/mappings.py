"""Declared mappings: how an operator's own exports map onto the warehouse, kept as YAML files
outside the code (one file per PM dialect or alarm feed).

A user keeps them in a mappings folder (``--mappings DIR``, else ``CXBRIDGE_MAPPINGS_DIR``,
else ``[paths] mappings_dir`` in cxbridge.toml, else ``<data home>/mappings``), and a raw
folder may carry its own under ``<raw>/_mappings/``. PM dialects are ``<folder>/kpis/*.yaml``,
alarm CSV feeds ``<folder>/alarms/*.yaml``, CRM and care-ticket exports' columns
``<folder>/customers/*.yaml`` and ``<folder>/tickets/*.yaml``; the built-in dialects (vendors
A and B) ship in the same format in ``builtin_mappings/``. A file's name (without ``.yaml``)
is the mapping's name unless it says ``name:``; a later folder's mapping replaces an earlier
one of the same name (built-ins, then the raw folder's, then the user's folder).

Every file is validated when it is loaded: an error names the file, the key, what it holds and
what is allowed (:class:`MappingError`). The parsed mappings are plain frozen values
(:class:`Mappings`), loaded once per run and handed to the sources that read them; nothing here
is global. Which mapping applies to a file is decided by its header (:func:`match_header`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from cxbridge.platform.ingest.base import UnparseableFileError
from cxbridge.platform.ingest.mapping_files import read_mapping
from cxbridge.platform.ingest.mapping_types import (
    BUILTIN_DIR,
    GUIDE,
    INTERVAL_MINUTES,
    KINDS,
    OF_INTERVAL,
    PM_COUNTERS,
    RAW_MAPPINGS,
    SEPARATORS,
    AlarmMapping,
    ColumnMapping,
    Counter,
    Field,
    Layout,
    MappingError,
    Mappings,
    PmDialect,
    Timestamp,
    ValueMap,
    timestamp_format,
)


@cache
def builtin_mappings() -> Mappings:
    """The mappings that ship with the package (what a source reads when handed none). Cached:
    package files, read once, never changed."""
    return load_mappings(())


def mapping_folders(mappings_dir: Path | None, raw_dir: Path | None) -> tuple[Path, ...]:
    """The user folders to read, weakest first: the raw folder's own ``_mappings`` (when it has
    one), then the mappings folder (``--mappings`` or the settings' ``mappings_dir``)."""
    folders = []
    if raw_dir is not None and (raw_dir / RAW_MAPPINGS).is_dir():
        folders.append((raw_dir / RAW_MAPPINGS).resolve())
    if mappings_dir is not None:
        folders.append(mappings_dir.resolve())
    return tuple(dict.fromkeys(folders))


def raw_root_of(path: Path) -> Path | None:
    """The raw folder a file or folder belongs to, as far as mappings go: the nearest folder
    (itself, or above it) that carries its own ``_mappings``; ``None`` when none does."""
    path = path.resolve()
    for folder in (path, *path.parents) if path.is_dir() else path.parents:
        if (folder / RAW_MAPPINGS).is_dir():
            return folder
    return None


def load_mappings(folders: Iterable[Path] = ()) -> Mappings:
    """The built-in mappings, replaced or extended by each folder's in turn (a folder that does
    not exist adds nothing). Raises :class:`MappingError` for the first unusable file."""
    folders = tuple(folders)
    found: dict[str, dict[str, Any]] = {kind: {} for kind in KINDS}
    notes = []
    for folder in (BUILTIN_DIR, *folders):
        for kind in KINDS:
            here: dict[str, Path] = {}
            for path in _yaml_files(folder / kind):
                mapping = read_mapping(path, kind)
                if mapping.name in here:
                    raise MappingError(f"{path}: name {mapping.name!r} is also the name of "
                                       f"{here[mapping.name]}; give each mapping its own name")
                here[mapping.name] = path
                earlier = found[kind].pop(mapping.name, None)
                if earlier is not None:
                    notes.append(f"{kind} mapping {mapping.name!r} from {path} replaces the one "
                                 f"from {earlier.origin}")
                found[kind][mapping.name] = mapping
    # the latest folder's mappings first, the built-ins last
    ordered = {kind: tuple(reversed(list(found[kind].values()))) for kind in KINDS}
    return Mappings(kpis=ordered["kpis"], alarms=ordered["alarms"],
                    customers=ordered["customers"], tickets=ordered["tickets"],
                    folders=folders, notes=tuple(notes))


def _yaml_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix in (".yaml", ".yml") and p.is_file() and not p.name.startswith("."))


# --- which mapping applies to a file --------------------------------------------------------

@dataclass(frozen=True)
class HeaderMatch:
    """A mapping whose match columns are all in the file's header (read its way)."""

    mapping: PmDialect | AlarmMapping
    columns: tuple[str, ...]
    separator: str


def head_lines(path: Path, count: int = 64) -> list[str]:
    """The file's first lines as text (a byte-order mark dropped), for matching headers:
    UTF-8, else Windows-1252 as :func:`~cxbridge.platform.ingest.base.read_bytes` reads it."""
    with path.open("rb") as handle:
        data = handle.read(1 << 16)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:  # (a character cut at the end of the sample is UTF-8)
        cut = exc.start >= len(data) - 3 and exc.reason == "unexpected end of data"
        text = (data[:exc.start].decode("utf-8-sig") if cut
                else data.decode("cp1252", errors="replace"))
    return text.splitlines()[:count]


def split_header(line: str, separator: str | None) -> tuple[tuple[str, ...], str]:
    """A header line's column names, and the separator (sniffed when not given)."""
    if separator is None:
        separator = max(SEPARATORS, key=line.count)
    return tuple(c.strip() for c in next(csv.reader([line], delimiter=separator))), separator


def match_header(lines: Sequence[str], mappings: Sequence[PmDialect | AlarmMapping]
                 ) -> list[HeaderMatch]:
    """Every mapping that applies to a file beginning with ``lines``, best first: the one
    with the most match columns, then a user's before a built-in."""
    found = []
    for rank, mapping in enumerate(mappings):
        row = mapping.layout.header_row
        if len(lines) < row or not lines[row - 1].strip():
            continue
        columns, separator = split_header(lines[row - 1], mapping.layout.separator)
        if all(c in columns for c in mapping.layout.match) and _measures_any(mapping, columns):
            found.append((-len(mapping.layout.match), rank,
                          HeaderMatch(mapping, columns, separator)))
    return [m for *_, m in sorted(found, key=lambda f: f[:2])]


def _measures_any(mapping: PmDialect | AlarmMapping, columns: Sequence[str]) -> bool:
    """A PM dialect applies only to a file holding at least one of its mapped counter columns
    (a foreign export that happens to share its time and id column names is not it: read
    that way, every counter would be silently missing)."""
    counters = getattr(mapping, "counters", None)
    return not counters or any(c.column in columns for c in counters.values())


def choose_mapping(path: Path, mappings: Mappings, kind: str, name: str | None = None
                   ) -> HeaderMatch:
    """The mapping of ``kind`` a file is in: ``name`` if given (its match columns must be in
    the header), else the best one whose match columns all are; an
    :class:`~cxbridge.platform.ingest.base.UnparseableFileError` saying why and what to do
    otherwise."""
    lines = head_lines(path)
    if name:
        mappings = replace(mappings, **{kind: (mappings.named(kind, name),)})
    found = match_header(lines, getattr(mappings, kind))
    if not found:
        raise UnparseableFileError(no_match_reason(path, lines, mappings, kind))
    return found[0]


def no_match_reason(path: Path, lines: Sequence[str], mappings: Mappings, kind: str) -> str:
    """Why no mapping of ``kind`` applies to the file, and what to do."""
    # the header is the widest of the first lines (a preamble above it is narrower)
    widest = max(lines[:20], key=lambda line: len(split_header(line, None)[0]), default="")
    header, separator = split_header(widest, None) if widest else ((), ",")
    near = []
    for mapping in getattr(mappings, kind):
        row = mapping.layout.header_row
        columns = (split_header(lines[row - 1], mapping.layout.separator)[0]
                   if len(lines) >= row else ())
        missing = [c for c in mapping.layout.match if c not in columns]
        if missing:
            near.append((len(missing), f"{mapping.name} (needs {', '.join(mapping.layout.match)}"
                                       f"; missing {', '.join(missing)})"))
        elif not _measures_any(mapping, columns):
            counters = sorted({c.column for c in getattr(mapping, "counters", {}).values()})
            near.append((1, f"{mapping.name} (its time and id columns are here but none of "
                            f"its counters: {', '.join(counters[:6])})"))
    known = "; ".join(text for _, text in sorted(near)[:4]) or "none"
    shown = ", ".join(header[:10]) + ("…" if len(header) > 10 else "")
    folder = (mappings.folders[-1] / kind if mappings.folders
              else f"<mappings folder>/{kind}/ (--mappings, CXBRIDGE_MAPPINGS_DIR or "
                   "<data home>/mappings)")
    return (f"{path}: the header ({shown}; separator {separator!r}) matches no {kind} mapping "
            f"(known: {known}). Describe this export in one mapping file, "
            f"{folder}/<name>.yaml; `cxbridge sources check {path.name} --as {kind}` "
            f"suggests one ({GUIDE})")


# what other modules import from here: the mapping values and the file reader live in their
# own modules (mapping_types, mapping_files), this one loads the folders and matches headers
__all__ = [
    "BUILTIN_DIR", "ColumnMapping", "Field", "GUIDE", "INTERVAL_MINUTES", "KINDS",
    "OF_INTERVAL", "PM_COUNTERS",
    "RAW_MAPPINGS", "SEPARATORS", "AlarmMapping", "Counter", "HeaderMatch", "Layout",
    "MappingError", "Mappings", "PmDialect", "Timestamp", "ValueMap", "builtin_mappings",
    "choose_mapping", "head_lines", "load_mappings", "mapping_folders", "match_header",
    "no_match_reason", "raw_root_of", "read_mapping", "split_header", "timestamp_format",
]
