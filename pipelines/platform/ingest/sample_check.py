"""What a file would give if it were loaded, read from a sample and loading nothing
(``cxbridge sources check``).

The first rows of the file are parsed by its source exactly as an ingest would (the same
mapping choice, typing and contract), and the result says which mapping matched (or why none
did), how many sample rows would load, how many would be quarantined and why (grouped, with an
example line), which columns feed which counter and which are kept as extras; for an unknown
header, a suggested mapping file, tried on the same sample. References (a KPI's resource in
the inventory) need the warehouse and are checked when the file loads.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, replace
from itertools import islice
from pathlib import Path

import polars as pl

from cxbridge.platform.errors import PathNotFoundError
from cxbridge.platform.ingest.base import LINE, Source, UnparseableFileError
from cxbridge.platform.ingest.checks import check_in_file
from cxbridge.platform.ingest.delimited import read_csv_strings
from cxbridge.platform.ingest.mappings import (
    MappingError,
    Mappings,
    head_lines,
    load_mappings,
    match_header,
    read_mapping,
)
from cxbridge.platform.ingest.suggest import suggest_alarm_mapping, suggest_pm_mapping
from cxbridge.platform.ingest.suggest_columns import (
    suggest_customer_mapping,
    suggest_ticket_mapping,
)

MAPPED_KINDS = ("kpis", "alarms", "customers", "tickets")
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".jsonl", ".json")


@dataclass(frozen=True)
class ReasonGroup:
    kind: str          # the reason with its values masked
    rows: int
    line: int          # an example
    reason: str
    original: str


@dataclass(frozen=True)
class SampleReport:
    path: Path
    source: str
    sampled: int = 0
    loaded: int = 0
    quarantined: int = 0
    mapping: str | None = None       # "name (file)"
    also_matched: tuple[str, ...] = ()
    problem: str | None = None       # why nothing could be read (no mapping matched, …)
    reasons: tuple[ReasonGroup, ...] = ()
    columns: tuple[tuple[str, str], ...] = ()  # file column → what it becomes
    notes: tuple[str, ...] = ()
    suggestion: str | None = None    # a mapping file (YAML) for an unknown header
    suggestion_result: tuple[int, int] | None = None  # (would load, sampled) with it
    references_checked: bool = False

    @property
    def would_load(self) -> bool:
        return self.loaded > 0


def restricted(mappings: Mappings, kind: str, mapping: str | None) -> Mappings:
    """Only the mapping named (or the mapping file at that path), when one is asked for."""
    if not mapping:
        return mappings
    path = Path(mapping)
    if path.suffix in (".yaml", ".yml"):
        if not path.is_file():
            raise MappingError(f"--mapping {mapping}: no such file")
        return replace(mappings, **{kind: (read_mapping(path.resolve(), kind),)})
    return replace(mappings, **{kind: (mappings.named(kind, mapping),)})


def check_sample(src: Source, path: Path, mappings: Mappings, rows: int = 200,
                 mapping: str | None = None) -> SampleReport:
    """Parse and check the first ``rows`` rows of ``path`` as ``src`` would; load nothing."""
    if not path.is_file():
        raise PathNotFoundError(f"{path} does not exist (or is not a file)")
    kind = src.name if src.name in MAPPED_KINDS else None
    if kind:
        mappings = restricted(mappings, kind, mapping)
    with tempfile.TemporaryDirectory(prefix="cxbridge-check-") as folder:
        sample = _sample_file(path, Path(folder), rows)
        report = _checked(src, sample, path, mappings, kind)
        if kind and not mapping and (report.problem or not report.loaded):
            # no mapping matched, or one did and not a row of the sample reads with it
            report = _with_suggestion(report, src, sample, kind)
    return report


def _sample_file(path: Path, folder: Path, rows: int) -> Path:
    """The file's first lines (enough for a preamble and ``rows`` rows) under the same name,
    or the file itself when it is not text (Parquet is read whole)."""
    if path.suffix.lower() not in _TEXT_SUFFIXES:
        return path
    sample = folder / path.name
    with path.open("rb") as source, sample.open("wb") as target:
        target.writelines(islice(source, rows + _preamble_allowance(path)))
    return sample


def _preamble_allowance(path: Path) -> int:
    """Lines to read beyond the rows: the header and a preamble above it."""
    lines = head_lines(path, 64)
    widths = [line.count(";") + line.count(",") + line.count("\t") + line.count("|")
              for line in lines]
    wide = max(widths, default=0)
    return 1 + next((i for i, w in enumerate(widths) if w == wide), 0)


def _checked(src: Source, sample: Path, path: Path, mappings: Mappings, kind: str | None
             ) -> SampleReport:
    parse = (lambda p: src.parse(p, mappings=mappings)) if kind else src.parse
    try:
        parsed = parse(sample)
    except UnparseableFileError as exc:
        return SampleReport(path, src.name, problem=str(exc).replace(str(sample), str(path)))
    loaded = quarantined = sampled = 0
    groups: dict[str, list] = {}
    for table in src.tables:
        part = parsed.get(table.name)
        if part is None:
            continue
        checks = check_in_file(part, table)
        held = pl.concat([part.rejects, checks.contract_rejects, checks.duplicate_rejects])
        sampled += part.rows_read
        quarantined += held.height
        loaded += part.rows_read - held.height
        for line, reason, original in held.sort(LINE).iter_rows():
            group = groups.setdefault(_reason_kind(reason), [0, line, reason, original])
            group[0] += 1
    reasons = tuple(ReasonGroup(k, *v) for k, v in
                    sorted(groups.items(), key=lambda item: -item[1][0]))
    notes = tuple(n for part in parsed.values() for n in part.notes)
    found = _mapping_of(sample, mappings, kind) if kind else None
    return SampleReport(
        path, src.name, sampled, loaded, quarantined,
        mapping=f"{found[0].mapping.name} ({found[0].mapping.origin})" if found else None,
        also_matched=tuple(m.mapping.name for m in found[1:]) if found else (),
        reasons=reasons, columns=_columns(sample, found[0]) if found else (), notes=notes,
        references_checked=False)


def _mapping_of(sample: Path, mappings: Mappings, kind: str) -> list:
    return match_header(head_lines(sample), getattr(mappings, kind))


def _reason_kind(reason: str) -> str:
    """A reason with its values masked, so rows failing the same way group together."""
    masked = re.sub(r"'[^']*'", "'…'", reason)
    return re.sub(r"\b\d[\d.:\- ]*\b", "…", masked)


def _columns(sample: Path, match) -> tuple[tuple[str, str], ...]:
    """Each file column and what it becomes under the matched mapping."""
    spec = match.mapping
    if hasattr(spec, "fields"):  # a CRM column mapping
        roles = {f.column: name for name, f in spec.fields.items() if f.column}
        return tuple((c, roles.get(c, "extra attribute (kept)")) for c in match.columns)
    if not hasattr(spec, "counters"):  # an alarm mapping
        roles = {}
        for key in ("alarm_id", "managed_object", "managed_object_type", "perceived_severity",
                    "probable_cause", "event_type", "specific_problem", "event_kind",
                    "event_id", "source_system"):
            column = getattr(spec, key).column
            if column:
                roles.setdefault(column, key)
        for column in spec.event_time.columns:
            roles[column] = "event_time"
        return tuple((c, roles.get(c, "ignored")) for c in match.columns)
    from cxbridge.platform.ingest.sources.kpis import plan_columns

    layout = spec.layout
    raw = read_csv_strings(sample, (), match.separator, layout.header_row, layout.units_rows,
                           layout.footer_rows)
    plan = plan_columns(raw.frame, spec)
    roles = {c: "time" for c in spec.timestamp.columns}
    roles[spec.resource_id.column] = "resource_id" + (
        f" (prefix {spec.resource_id.prefix!r} stripped)" if spec.resource_id.prefix else "") + (
        f" (the part {spec.resource_id.pattern!r} picks)" if spec.resource_id.pattern else "")
    if spec.resource_type.column:
        roles[spec.resource_type.column] = "resource_type"
    if spec.interval_column:
        roles[spec.interval_column] = "minutes each row measures"
    for counter, column in plan.counters.items():
        conversion = spec.counters[counter]
        how = "".join((*(f" + {c}" for c in conversion.plus),
                       *(f" − {c}" for c in conversion.minus),
                       f" ÷ {conversion.per}" if conversion.per else "",
                       f" × {conversion.scale:g}" if conversion.scale != 1 else "",
                       f" + {conversion.offset:g}" if conversion.offset else "",
                       f", as {conversion.of_interval.replace('_pct', ' %')} of the row's "
                       "interval → seconds down" if conversion.of_interval else ""))
        roles[column] = f"{counter} = value{how}"
        for other, verb in ((*((c, "adds to") for c in conversion.plus),
                             *((c, "is taken from") for c in conversion.minus),
                             *(((conversion.per, "divides"),) if conversion.per else ()))):
            roles.setdefault(other, f"{verb} {column} ({counter})")
    roles.update({c: "extra counter (kept)" for c in plan.extras})
    roles.update({c: "ignored (not numeric)" for c in plan.ignored})
    shown = [(c, roles.get(c, "ignored")) for c in match.columns]
    shown += [(c, "mapped but absent from the file: not measured") for c in plan.absent]
    return tuple(shown)


def _with_suggestion(report: SampleReport, src: Source, sample: Path, kind: str
                     ) -> SampleReport:
    """The report with a suggested mapping file, and what the sample gives with it."""
    lines = head_lines(sample, 10_000)
    suggest = {"kpis": suggest_pm_mapping, "alarms": suggest_alarm_mapping,
               "customers": suggest_customer_mapping,
               "tickets": suggest_ticket_mapping}[kind]
    text = suggest(report.path.name, lines)
    result, notes = None, report.notes
    with tempfile.TemporaryDirectory(prefix="cxbridge-suggest-") as folder:
        target = Path(folder) / kind / "suggested.yaml"
        target.parent.mkdir()
        target.write_text(text, encoding="utf-8")
        try:
            tried = _checked(src, sample, report.path, _only(Path(folder), kind), kind)
            result = (tried.loaded, tried.sampled) if tried.problem is None else None
            if tried.problem is not None:
                notes = (*notes, f"the suggestion does not read the sample either: "
                                 f"{tried.problem}")
        except MappingError as exc:
            notes = (*notes, f"the suggestion needs fixing before it is used: "
                             f"{str(exc).replace(str(target), 'the suggested mapping')}")
    return replace(report, suggestion=text, suggestion_result=result, notes=notes)


def _only(folder: Path, kind: str) -> Mappings:
    """The mappings of one folder alone (no built-ins)."""
    mappings = load_mappings([folder])
    origin = [m for m in getattr(mappings, kind) if m.origin.parent.parent == folder]
    return replace(mappings, **{kind: tuple(origin)})
