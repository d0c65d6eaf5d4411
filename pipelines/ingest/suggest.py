"""A suggested mapping file for an export no mapping knows, guessed from its first lines.

Pure functions: the sample's lines in, YAML text out (with comments saying what was guessed
and why, for a person to check before saving it). The layout (preamble, separator, decimal
mark) is read off the lines; the time is the column (or date and time-of-day pair) whose
values all read with one format; the object is the id-looking text column; numeric columns
become counters by their names (thp/throughput → dl_throughput_mbps, util/prb →
utilisation_pct, lat/rtt → latency_ms, …, with the unit conversion a name implies), and the
rest are kept as extra counters.
"""

from __future__ import annotations

import csv
import re
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from pipelines.ingest.mapped_values import looks_like_name
from pipelines.ingest.mappings import SEPARATORS

STAMP_FORMATS = ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z",
                 "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M",
                 "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M",
                 "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%Y%m%d%H%M")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y%m%d")
TIME_FORMATS = ("%H:%M:%S", "%H:%M")
_ISO = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"}

# warehouse counter → (words in a column name that suggest it), tried in this order
COUNTER_WORDS = (
    ("dl_throughput_mbps", ("thp", "throughput", "thrput", "thrpt", "bitrate", "tput")),
    ("utilisation_pct", ("util", "utilisation", "utilization", "prb", "load")),
    ("latency_ms", ("lat", "latency", "rtt", "delay")),
    ("jitter_ms", ("jitter", "pdv")),
    ("packet_loss_pct", ("loss", "plr")),
    ("unavailable_s", ("unavail", "unavailable", "downtime", "outage", "avail")),
    ("access_successes", ("succ", "success", "ok")),
    ("access_attempts", ("att", "attempt", "attempts", "req", "request")),
    ("drops", ("drop", "drops", "abn", "abnormal")),
    ("sessions", ("sess", "session", "sessions", "active_ue", "ue_avg", "users", "active")),
)
# (a hint of five letters or more matches inside a name; a shorter one only as a whole word)
ID_WORDS = ("cell", "id", "name", "dn", "mo", "object", "node", "ne", "site", "eci", "cgi",
            "port", "resource", "element")


@dataclass(frozen=True)
class Sample:
    """An export's layout as read off its first lines, and its rows as text."""

    header_row: int
    separator: str
    decimal: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def values(self, column: str) -> list[str]:
        at = self.columns.index(column)
        return [r[at].strip() for r in self.rows if at < len(r) and r[at].strip()]


def read_sample(lines: Sequence[str]) -> Sample:
    """The header line (the first line with as many fields as most lines below it: a
    preamble above it has fewer), the separator and the decimal mark."""
    lines = [line for line in lines if line.strip()]
    separator = Tally(max(SEPARATORS, key=line.count) for line in lines[:20]).most_common(1)
    separator = separator[0][0] if separator else ","
    split = [tuple(next(csv.reader([line], delimiter=separator))) for line in lines]
    width = Tally(len(r) for r in split).most_common(1)[0][0] if split else 1
    header_at = next((i for i, r in enumerate(split) if len(r) == width), 0)
    rows = tuple(r for r in split[header_at + 1:] if len(r) == width)
    numbers = [v for r in rows for v in r if re.fullmatch(r"-?\d+[.,]\d+", v.strip())]
    decimal = "," if separator != "," and numbers and all("," in v for v in numbers) else "."
    return Sample(header_at + 1, separator, decimal,
                  tuple(c.strip() for c in split[header_at]) if split else (), rows)


def _reads(values: list[str], fmt: str) -> bool:
    if not values:
        return False
    try:
        for value in values:
            datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _format_of(values: list[str], formats: Sequence[str]) -> str | None:
    """The first format that reads every value; day-first when a value's first field is
    more than 12 (US month-first otherwise)."""
    fitting = [f for f in formats if _reads(values, f)]
    if not fitting:
        return None
    return fitting[0]


def guess_time(sample: Sample) -> tuple[dict, list[str]]:
    """The timestamp spec (one column, or date + time columns) and the columns it uses."""
    for column in sample.columns:
        fmt = _format_of(sample.values(column), STAMP_FORMATS)
        if fmt:
            spec = {"column": column} if fmt in _ISO else {"column": column, "format": fmt}
            return spec, [column]
    date = next(((c, f) for c in sample.columns
                 if (f := _format_of(sample.values(c), DATE_FORMATS))), None)
    time = next(((c, f) for c in sample.columns
                 if (f := _format_of(sample.values(c), TIME_FORMATS))), None)
    if date and time:
        return ({"date": {"column": date[0], "format": date[1]},
                 "time": {"column": time[0], "format": time[1]}}, [date[0], time[0]])
    return {"column": "<the time column>", "format": "<its strptime format>"}, []


def _number(value: str, decimal: str) -> float | None:
    try:
        return float(value.replace(",", ".") if decimal == "," else value)
    except ValueError:
        return None


def numeric_columns(sample: Sample, skip: Sequence[str]) -> list[str]:
    """The columns at least 75 % of whose values are numbers (a stray bad value does not
    make a counter text)."""
    def numeric(values: list[str]) -> bool:
        good = sum(_number(v, sample.decimal) is not None for v in values)
        return bool(values) and good >= 0.75 * len(values)

    return [c for c in sample.columns if c not in skip and numeric(sample.values(c))]


def guess_resource(sample: Sample, skip: Sequence[str]) -> tuple[dict, dict, list[str]]:
    """The resource id column (text, id-looking name first) with its common prefix, and the
    resource type (a type/class column, else the constant cell)."""
    numeric = set(numeric_columns(sample, skip))
    text = [c for c in sample.columns if c not in skip and c not in numeric]
    words = [set(re.split(r"[^a-z0-9]+", c.lower())) for c in text]
    typed = next((c for c, w in zip(text, words, strict=True)
                  if w & {"type", "class", "objtype", "category"}), None)
    ids = [c for c, w in zip(text, words, strict=True) if c != typed and w & set(ID_WORDS)]
    column = (ids or [c for c in text if c != typed] or ["<the object id column>"])[0]
    spec: dict = {"column": column}
    prefixes = {m.group(0) for v in (sample.values(column) if column in sample.columns else [])
                if (m := re.match(r"^[A-Za-z]+=", v))}
    if len(prefixes) == 1:
        spec["prefix"] = prefixes.pop()
    kind = {"column": typed} if typed else {"value": "cell"}
    return spec, kind, [column, *([typed] if typed else [])]


def guess_counter(column: str, values: list[float]) -> tuple[str, float, float, str] | None:
    """A counter for a numeric column by its name: (counter, scale, offset, why); None when
    the name suggests none. Units in the name set the scale (kbps, µs, ‰, ratios)."""
    name = column.lower()
    words = set(re.split(r"[^a-z0-9]+", name))
    for counter, hints in COUNTER_WORDS:
        if not any(h in words or (len(h) > 4 and h in name) for h in hints):
            continue
        if counter == "dl_throughput_mbps" and words & {"ul", "up", "uplink"}:
            return None
        if counter == "unavailable_s" and not re.search("unavail|down|outage", name):
            return counter, -9.0, 900.0, "availability % of the 900-s interval → seconds down"
        scale, why = _unit_scale(counter, name, values)
        return counter, scale, 0.0, why
    return None


def _unit_scale(counter: str, name: str, values: list[float]) -> tuple[float, str]:
    if counter == "dl_throughput_mbps":
        if "kbps" in name or "kbit" in name:
            return 0.001, "kbit/s → Mbit/s"
        if "gbps" in name:
            return 1000.0, "Gbit/s → Mbit/s"
        if re.search(r"(?<![km])bps", name):
            return 1e-6, "bit/s → Mbit/s"
    if counter in ("latency_ms", "jitter_ms") and re.search(r"(^|_)us($|_)", name):
        return 0.001, "µs → ms"
    if counter in ("utilisation_pct", "packet_loss_pct"):
        if "permille" in name:
            return 0.1, "‰ → %"
        if values and max(values) <= 1.0 and "pct" not in name:
            return 100.0, "a ratio 0–1 → %"
    return 1.0, ""


def suggest_pm_mapping(file_name: str, lines: Sequence[str]) -> str:
    """A commented PM mapping file for an export whose first lines are ``lines``."""
    sample = read_sample(lines)
    stamp, time_columns = guess_time(sample)
    resource, kind, used = guess_resource(sample, time_columns)
    counters, extras = {}, []
    for column in numeric_columns(sample, [*time_columns, *used]):
        values = [x for v in sample.values(column) if (x := _number(v, sample.decimal)) is not None]
        guess = guess_counter(column, values)
        if guess and guess[0] not in counters:
            counters[guess[0]] = (column, *guess[1:])
        else:
            extras.append(column)
    name = looks_like_name(file_name.rsplit(".", 1)[0])
    out = [f"# Suggested PM mapping for {file_name}, guessed from its header and "
           f"{len(sample.rows)} sample rows.",
           "# Check every line (above all the time zone and the units), then save it as",
           f"# <mappings folder>/kpis/{name}.yaml and run `cxbridge sources check` again.",
           f"name: {name}",
           f"vendor: {name}                 # free text: who wrote the export",
           f"match: [{', '.join(_quoted(c) for c in [*time_columns, resource['column']])}]"]
    if sample.header_row > 1:
        out.append(f"header_row: {sample.header_row}                # the lines above are a "
                   "preamble")
    out.append(f"separator: {_quoted(sample.separator)}")
    if sample.decimal == ",":
        out.append('decimal: ","                 # numbers are written 12,5')
    out.append("timestamp:")
    out += [f"  {key}: {_flow(value) if isinstance(value, dict) else _quoted(value)}"
            for key, value in stamp.items()]
    out.append("time_zone: UTC                # the zone of naive times, e.g. Europe/Dublin "
               "(DST handled)")
    out.append(f"resource_id: {_flow(resource)}")
    out.append(f"resource_type: {_flow(kind)}")
    out.append("counters:" if counters else "counters: {}              # none recognised "
                                                 "by name: map them by hand")
    for counter, (column, scale, offset, why) in counters.items():
        spec = {"column": column}
        if scale != 1:
            spec["scale"] = scale
        if offset:
            spec["offset"] = offset
        out.append(f"  {counter}: {_flow(spec)}" + (f"   # {why}" if why else ""))
    out.append("extra_counters: keep          # other numeric columns are kept"
               + (f": {', '.join(extras)}" if extras else ""))
    return "\n".join(out) + "\n"


def suggest_alarm_mapping(file_name: str, lines: Sequence[str]) -> str:
    """A commented alarm CSV mapping file for an export whose first lines are ``lines``."""
    sample = read_sample(lines)
    stamp, time_columns = guess_time(sample)
    rest = [c for c in sample.columns if c not in time_columns]

    def named(*words: str) -> str | None:
        return next((c for c in rest if any(w in c.lower() for w in words)), None)

    fields = {
        "alarm_id": named("alarm_id", "alarmid", "notification", "id"),
        "managed_object": named("object", "managed", "mo", "resource", "node", "ne", "source"),
        "perceived_severity": named("sever", "sev", "priority"),
        "probable_cause": named("cause"),
        "event_type": named("alarm_type", "alarmtype", "event_type", "eventtype", "category"),
        "specific_problem": named("problem", "text", "descr", "message"),
        "event_kind": named("kind", "action", "state", "status", "event"),
    }
    name = looks_like_name(file_name.rsplit(".", 1)[0])
    out = [f"# Suggested alarm mapping for {file_name}, guessed from its header and "
           f"{len(sample.rows)} sample rows.",
           f"# Check every line, then save it as <mappings folder>/alarms/{name}.yaml.",
           f"name: {name}"]
    if sample.header_row > 1:
        out.append(f"header_row: {sample.header_row}")
    out.append(f"separator: {_quoted(sample.separator)}")
    out.append("event_time:")
    out += [f"  {key}: {_flow(value) if isinstance(value, dict) else _quoted(value)}"
            for key, value in stamp.items()]
    out.append("time_zone: UTC                # the zone of naive times, e.g. Europe/Dublin")
    for key, column in fields.items():
        if column is None:
            out.append(f"#{key}: {{column: <column>}}")
            continue
        spec: dict = {"column": column}
        if key == "perceived_severity":
            found = sorted(set(sample.values(column)))[:8]
            out.append(f"{key}:")
            out.append(f"  column: {_quoted(column)}")
            out.append("  values: {" + ", ".join(f"{_quoted(v)}: <x733 severity>"
                                                 for v in found) + "}   # critical, major, "
                       "minor, warning, indeterminate, cleared")
            continue
        out.append(f"{key}: {_flow(spec)}")
    return "\n".join(out) + "\n"


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t") + '"'


def _flow(spec: dict) -> str:
    parts = []
    for key, value in spec.items():
        shown = (_flow(value) if isinstance(value, dict) else
                 f"{value:g}" if isinstance(value, float) else _quoted(str(value)))
        parts.append(f"{key}: {shown}")
    return "{" + ", ".join(parts) + "}"
