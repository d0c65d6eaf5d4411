"""A suggested mapping file for an export no mapping knows, guessed from its first lines.

Pure functions: the sample's lines in, YAML text out (with comments saying what was guessed
and why, for a person to check before saving it). The layout is read off the lines: a
preamble, the separator, a units row under the header, a "Total" row at the end, the decimal
mark, a thousands separator, "%" after numbers and markers such as NULL, N/A or #DIV/0! that
stand for no value. The time is the column (or date and time-of-day pair) whose values all
read with one format (ISO 8601, day or month first, 12-hour clocks), how long a row measures
comes from a granularity column or the spacing of the times, and the object is the column
whose values are one per row at each time (the cell inside a 3GPP distinguished name picked
out by a pattern). Numeric columns become counters by their names across vendors' spellings
(camelCase and dotted names split into words: ``pmRrcConnEstabAtt``, ``DRB.UEThpDl``,
``L.Thrp.bits.DL(bit)``), with the unit conversion a name implies and the usual two-counter
formulas (volume ÷ time, used ÷ available PRBs, Sum ÷ Samp); the rest are kept as extras.
"""

from __future__ import annotations

import csv
import re
from collections import Counter as Tally
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from cxbridge.platform.ingest.mapped_values import looks_like_name
from cxbridge.platform.ingest.mappings import SEPARATORS

# ISO 8601 (read without a format), then the usual OSS spellings
_ISO = ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z",
        "%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")
STAMP_FORMATS = (*_ISO, "%Y-%m-%d %H:%M",
                 "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M",
                 "%m/%d/%Y %I:%M:%S %p", "%d/%m/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p",
                 "%d/%m/%Y %I:%M %p", "%Y-%m-%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S",
                 "%Y/%m/%d %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d-%m-%Y %H:%M:%S",
                 "%d-%m-%Y %H:%M", "%Y%m%d.%H%M", "%Y%m%d%H%M")
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%d/%m/%Y", "%Y/%m/%d", "%Y%m%d")
TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p")
NULL_MARKERS = ("NULL", "null", "Null", "N/A", "n/a", "NA", "#N/A", "NIL", "nil", "-", "--",
                "#DIV/0!", "#VALUE!", "#NUM!", "/0", "", "NaN", "nan", "None")
_TOTAL_WORDS = ("total", "sum", "summary", "grand total", "average", "overall")

# warehouse counter → words of a column name that suggest it (a column name is split into
# lower-case words at non-letters and camelCase humps)
COUNTER_WORDS = (
    ("dl_throughput_mbps", {"thp", "thrp", "throughput", "thrput", "thrpt", "bitrate", "tput"}),
    ("utilisation_pct", {"util", "utilisation", "utilization", "prb", "load", "usage"}),
    ("latency_ms", {"lat", "latency", "rtt", "delay"}),
    ("jitter_ms", {"jitter", "pdv"}),
    ("packet_loss_pct", {"loss", "plr"}),
    ("unavailable_s", {"unavail", "unavailable", "unavailability", "downtime", "outage",
                       "avail", "availability", "available"}),
    ("access_successes", {"succ", "success", "successes", "successful", "comp", "ok"}),
    ("access_attempts", {"att", "attempt", "attempts", "req", "request", "requests"}),
    ("drops", {"drop", "drops", "abn", "abnormal", "abnorm", "dropped"}),
    ("sessions", {"sess", "session", "sessions", "user", "users", "ue", "ues", "ont", "onts",
                  "connected", "lev"}),
)
_UPLINK = {"ul", "up", "uplink", "upstream", "upload"}
_RATES = {"rate", "ratio", "sr", "dr", "pct", "percent", "percentage", "ksr", "kpi"}
_COUNTS = ("access_attempts", "access_successes", "drops")
ID_WORDS = {"cell", "id", "name", "dn", "ldn", "mo", "moid", "object", "node", "ne", "site",
            "eci", "cgi", "port", "resource", "element", "lncel", "cellname", "measobjldn"}


@dataclass(frozen=True)
class Sample:
    """An export's layout as read off its first lines, and its rows as text."""

    header_row: int
    separator: str
    decimal: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    thousands: str | None = None
    suffixes: tuple[str, ...] = ()
    null_values: tuple[str, ...] = ()
    units_row: bool = False
    footer_rows: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def values(self, column: str) -> list[str]:
        at = self.columns.index(column)
        return [r[at].strip() for r in self.rows
                if at < len(r) and r[at].strip() not in ("", *self.null_values)]

    def number(self, value: str) -> float | None:
        return _number(value, self.decimal, self.thousands, self.suffixes)


def _split(line: str, separator: str) -> tuple[str, ...]:
    return tuple(next(csv.reader([line], delimiter=separator), [""]))


def _separator(lines: Sequence[str]) -> str:
    """The separator that splits the most lines into the same number (> 1) of fields."""
    def score(separator: str) -> tuple[int, int]:
        widths = Tally(len(_split(line, separator)) for line in lines[:50])
        width, count = max(((w, c) for w, c in widths.items() if w > 1),
                           key=lambda wc: (wc[1], wc[0]), default=(1, 0))
        return count, width
    return max(SEPARATORS, key=score)


def read_sample(lines: Sequence[str]) -> Sample:
    """The header line (the first line with as many fields as most lines below it: a
    preamble above it has fewer), the separator, a units row and a footer, and how numbers
    are written."""
    numbered = [(i + 1, line) for i, line in enumerate(lines) if line.strip()]
    if not numbered:
        return Sample(1, ",", ".", (), ())
    separator = _separator([line for _, line in numbered])
    split = [(n, _split(line, separator)) for n, line in numbered]
    width = Tally(len(r) for _, r in split).most_common(1)[0][0]
    at = next((i for i, (_, r) in enumerate(split) if len(r) == width), 0)
    header_row, header = split[at]
    body = [r for _, r in split[at + 1:]]
    footer = 0
    if body and body[-1] and body[-1][0].strip().lower() in _TOTAL_WORDS:
        footer, body = 1, body[:-1]
    rows = [r for r in body if len(r) == width]
    units = bool(len(rows) > 1 and _looks_like_units(rows[0], rows[1:]))
    rows = rows[1:] if units else rows
    decimal, thousands, suffixes, nulls = _number_style(rows, separator)
    columns = tuple(c.strip() or f"column {i}" for i, c in enumerate(header, start=1))
    return Sample(header_row, separator, decimal, columns, tuple(rows), thousands, suffixes,
                  nulls, units, footer)


def _looks_like_units(first: Sequence[str], rest: Sequence[Sequence[str]]) -> bool:
    """The first line under the header holds no number where the lines below mostly do."""
    def is_number(value: str) -> bool:
        return re.fullmatch(r"[+-]?[\d.,\s]*\d[\d.,\s]*%?", value.strip()) is not None
    numeric = [i for i in range(len(first))
               if sum(is_number(r[i]) for r in rest) > 0.5 * len(rest)]
    return bool(numeric) and not any(is_number(first[i]) for i in numeric)


def _number_style(rows: Sequence[Sequence[str]], separator: str
                  ) -> tuple[str, str | None, tuple[str, ...], tuple[str, ...]]:
    """Decimal mark, thousands separator, suffixes after numbers and "no value" markers,
    from the values of the rows."""
    values = [v.strip() for r in rows for v in r]
    percent = any(re.fullmatch(r"[+-]?[\d.,\s]*\d\s*%", v) for v in values)
    bare = [v.rstrip("%").strip() for v in values]
    comma_decimal = sum(bool(re.fullmatch(r"[+-]?\d+,\d+", v)) and
                        not re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+", v) for v in bare)
    decimal = "," if separator != "," and comma_decimal else "."
    thousands = None
    if decimal == "." and any(re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", v) for v in bare):
        thousands = ","
    elif any(re.fullmatch(r"[+-]?\d{1,3}([ \u00a0\u202f]\d{3})+([.,]\d+)?", v) for v in bare):
        thousands = " "
    elif decimal == "," and any(re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+(,\d+)?", v)
                                for v in bare):
        thousands = "."
    numeric = {v for v in bare if _number(v, decimal, thousands, ()) is not None}
    nulls = sorted({v for v in values if v in NULL_MARKERS and v and v not in numeric},
                   key=NULL_MARKERS.index)
    return decimal, thousands, ("%",) if percent else (), tuple(nulls)


def _number(value: str, decimal: str, thousands: str | None = None,
            suffixes: Sequence[str] = ()) -> float | None:
    text = value.strip()
    for suffix in suffixes:
        text = text.removesuffix(suffix).strip()
    if thousands and re.fullmatch(rf"[+-]?\d{{1,3}}([{re.escape(thousands)}\u00a0\u202f]\d{{3}})+"
                                  rf"({re.escape(decimal)}\d*)?", text):
        text = re.sub(rf"[{re.escape(thousands)}\u00a0\u202f]", "", text)
    if decimal == ",":
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


# --- the time ---------------------------------------------------------------------------

def _reads(values: list[str], fmt: str) -> bool:
    if not values:
        return False
    try:
        for value in values:
            datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def format_of(values: list[str], formats: Sequence[str]) -> str | None:
    """The first format that reads every value (month first before day first when both do:
    a value whose first field is over 12 rules month first out)."""
    return next((f for f in formats if _reads(values, f)), None)


def _start_first(columns: Sequence[str]) -> list[str]:
    """Columns named like the start of an interval first, like its end last."""
    def rank(column: str) -> int:
        name = column.lower()
        return (0 if re.search("start|begin|result|period|from", name) else
                2 if re.search("end|stop|until|to$", name) else 1)
    return sorted(columns, key=rank)


def guess_time(sample: Sample) -> tuple[dict, list[str]]:
    """The timestamp spec (one column, or date + time columns) and the columns it uses."""
    for column in _start_first(sample.columns):
        fmt = format_of(sample.values(column), STAMP_FORMATS)
        if fmt:
            spec = {"column": column} if fmt in _ISO else {"column": column, "format": fmt}
            return spec, [column]
    date = next(((c, f) for c in sample.columns
                 if (f := format_of(sample.values(c), DATE_FORMATS))), None)
    time = next(((c, f) for c in _start_first(sample.columns)
                 if (f := format_of(sample.values(c), TIME_FORMATS))), None)
    if date and time:
        return ({"date": {"column": date[0], "format": date[1]},
                 "time": {"column": time[0], "format": time[1]}}, [date[0], time[0]])
    return {"column": "<the time column>", "format": "<its strptime format>"}, []


def _instants(sample: Sample, stamp: dict, columns: list[str]) -> list[datetime | None]:
    """Each sample row's time as read with the guessed format (None where it does not)."""
    if not columns:
        return []
    if "date" in stamp:
        fmt = f"{stamp['date']['format']} {stamp['time']['format']}"
        at = [sample.columns.index(c) for c in columns]
        texts = [" ".join(r[i].strip() for i in at) for r in sample.rows]
    else:
        fmt = stamp.get("format")
        at = sample.columns.index(columns[0])
        texts = [r[at].strip() for r in sample.rows]
    found = []
    for text in texts:
        formats = [fmt] if fmt else [f for f in _ISO]
        found.append(next((t for f in formats if (t := _strptime(text, f))), None))
    return found


def _strptime(text: str, fmt: str) -> datetime | None:
    try:
        return datetime.strptime(text, fmt)
    except ValueError:
        return None


def _time_notes(sample: Sample, stamp: dict, columns: list[str]) -> list[str]:
    """Comments on the time: an ambiguous day/month order, offsets in the text."""
    notes = []
    fmt = stamp.get("format") or stamp.get("date", {}).get("format") or ""
    if "%m/%d" in fmt:
        swapped = fmt.replace("%m/%d", "%d/%m")
        values = [" ".join(r[sample.columns.index(c)].strip() for c in columns)
                  for r in sample.rows]
        if "date" not in stamp and _reads(values, swapped):
            notes.append(f"month first ({fmt}) and day first ({swapped}) both read every "
                         "sample value: check which the export uses")
    return notes


def _zone_line(sample: Sample, columns: list[str]) -> str:
    values = [v for c in columns for v in sample.values(c)]
    if values and all(re.search(r"(Z|[+-]\d{2}:?\d{2})$", v) for v in values):
        return ("time_zone: UTC                # the times carry their offset (it wins); the "
                "zone applies to times without one")
    return ("time_zone: UTC                # CHECK: the times carry no offset; give the zone "
            "the OSS writes them in, e.g. Europe/Dublin (DST handled)")


def guess_interval(sample: Sample, stamp: dict, columns: list[str]
                   ) -> tuple[int | dict, str, list[str]]:
    """Minutes one row measures: a granularity column, or the spacing of the times."""
    for column in sample.columns:
        words = _words(column)
        values = sample.values(column)
        if (words & {"granularity", "gp", "period", "interval", "resolution", "duration"}
                and column not in columns and values
                and all(v in ("15", "30", "60") for v in values)):
            return {"column": column}, f"{column} says how many minutes each row measures", [
                column]
    instants = sorted({t for t in _instants(sample, stamp, columns) if t is not None})
    steps = [(b - a).total_seconds() / 60 for a, b in zip(instants, instants[1:], strict=False)]
    step = min(steps, default=15)
    if step in (30, 60):
        return int(step), f"the sample's times are {int(step)} minutes apart", []
    return 15, "", []


# --- the measured object ----------------------------------------------------------------

def _words(name: str) -> set[str]:
    """A column name's words: split at non-letters and camelCase humps, lower case."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z]{2,})", r"\1 \2", spaced)
    return {w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w}


def _one_per_row(sample: Sample, keys: list[str | None], times: list[datetime | None]
                 ) -> bool:
    """The keys tell a time's rows apart (no two rows of one time share one)."""
    seen = list(zip(times or [None] * len(keys), keys, strict=False))
    return None not in keys and len(set(seen)) == len(seen)


def _dn_pattern(sample: Sample, column: str, times: list[datetime | None]) -> dict | None:
    """For 3GPP-style names (``Key=Value, Key=Value``): a pattern picking the last key's
    value, with the first varying key's value joined in front when the last alone does not
    tell the objects apart (``NRCellDU=1`` under many gNBs)."""
    at = sample.columns.index(column)
    texts = [r[at].strip() for r in sample.rows]
    pairs = [re.findall(r"\s*([^,=]+?)=([^,]*)", t) for t in texts]
    if not pairs or not all(len(p) >= 2 for p in pairs):
        return None
    last = pairs[0][-1][0]
    if not all(p[-1][0] == last for p in pairs):
        return None
    key = _regex_key(last)
    alone = [p[-1][1].strip() for p in pairs]
    if _one_per_row(sample, alone, times):
        return {"column": column, "pattern": f"{key}=([^,]+)"}
    keys = [k for k, _ in pairs[0][:-1]]
    varying = next((k for i, k in enumerate(keys)
                    if len({p[i][1] for p in pairs if len(p) > i}) > 1), None)
    if varying is None:
        return None
    return {"column": column, "pattern": f"{_regex_key(varying)}=([^,]+).*{key}=([^,]+)",
            "join": "-"}


def _regex_key(key: str) -> str:
    return re.escape(key.strip()).replace("\\ ", " ")


def guess_resource(sample: Sample, skip: Sequence[str], times: Sequence[datetime | None] = ()
                   ) -> tuple[dict, dict, list[str]]:
    """The resource id column (text, one value per row at each time, an id-looking name
    first), its prefix or a pattern, and the resource type (a type/class column, else a
    constant guessed from the names)."""
    numeric = set(numeric_columns(sample, skip))
    text = [c for c in sample.columns if c not in skip and c not in numeric]
    typed = next((c for c in text if _words(c) & {"type", "class", "objtype", "category"}),
                 None)
    times = list(times)

    def rank(column: str) -> tuple[int, int, int]:
        at = sample.columns.index(column)
        keys = [r[at].strip() or None for r in sample.rows]
        unique = _one_per_row(sample, keys, times)
        words = _words(column)
        return (0 if unique else 1, 0 if words & {"cell", "port", "lncel", "ldn", "dn", "moid",
                                                  "object", "mo"} else
                1 if words & ID_WORDS else 2, -len(set(keys)))

    candidates = sorted((c for c in text if c != typed), key=rank)
    column = candidates[0] if candidates else "<the object id column>"
    spec: dict = {"column": column}
    if column in sample.columns:
        spec = _dn_pattern(sample, column, times) or spec
        prefixes = {m.group(0) for v in sample.values(column)
                    if (m := re.match(r"^[A-Za-z]+=", v))}
        if "pattern" not in spec and len(prefixes) == 1:
            spec["prefix"] = prefixes.pop()
    kind = {"column": typed} if typed else {"value": _resource_kind(sample, column)}
    return spec, kind, [column, *([typed] if typed else [])]


def _resource_kind(sample: Sample, column: str) -> str:
    text = " ".join([column, *sample.columns, *(sample.values(column)[:5]
                                                if column in sample.columns else [])]).lower()
    return "pon_port" if re.search(r"\bpon\b|\bolt|\bont\b|gpon|\bport", text) else "cell"


# --- the counters -----------------------------------------------------------------------

def numeric_columns(sample: Sample, skip: Sequence[str]) -> list[str]:
    """The columns at least 75 % of whose values are numbers (a stray bad value does not
    make a counter text)."""
    def numeric(values: list[str]) -> bool:
        good = sum(sample.number(v) is not None for v in values)
        return bool(values) and good >= 0.75 * len(values)

    return [c for c in sample.columns if c not in skip and numeric(sample.values(c))]


@dataclass(frozen=True)
class Guess:
    """A warehouse counter from one or more columns, and why."""

    spec: dict
    why: str = ""

    @property
    def columns(self) -> list[str]:
        column = self.spec["column"]
        return [*(column if isinstance(column, list) else [column]),
                *([self.spec["per"]] if "per" in self.spec else []),
                *([self.spec["minus"]] if "minus" in self.spec else [])]


def guess_counter(column: str, values: list[float]) -> tuple[str, float, float, str] | None:
    """A counter for a numeric column by its name: (counter, scale, offset, why); None when
    the name suggests none. Units in the name set the scale (kbps, µs, ‰, ratios)."""
    words = _words(column)
    name = column.lower()
    if words & {"traffic", "volume"} and re.search(r"bps|bit/s", name):
        words = words | {"throughput"}  # a rate of traffic (a port's Mbit/s)
    if {"conn", "mean"} <= words:
        words = words | {"connected"}  # 3GPP RRC.ConnMean: mean connected UEs
    for counter, hints in COUNTER_WORDS:
        if not (words & hints or any(len(h) > 5 and h in name for h in hints)):
            continue
        if counter in ("dl_throughput_mbps", "utilisation_pct") and words & _UPLINK:
            return None
        if counter in _COUNTS and (words & _RATES or "%" in name):
            return None  # a rate, not a count
        if counter == "unavailable_s" and not re.search("unavail|down|outage", name):
            return counter, 1.0, 0.0, "available %"
        scale, why = _unit_scale(counter, name, words, values)
        return counter, scale, 0.0, why
    return None


def _unit_scale(counter: str, name: str, words: set[str], values: list[float]
                ) -> tuple[float, str]:
    if counter == "dl_throughput_mbps":
        if words & {"kbps", "kbit", "kbits"} or "kbit" in name or "kbps" in name:
            return 0.001, "kbit/s → Mbit/s"
        if "gbps" in name:
            return 1000.0, "Gbit/s → Mbit/s"
        if "mbps" in name or "mbit" in name:
            return 1.0, ""
        if re.search(r"(?<![km])bps", name):
            return 1e-6, "bit/s → Mbit/s"
        return 0.001, "CHECK the unit: kbit/s assumed (3GPP) → Mbit/s"
    if counter in ("latency_ms", "jitter_ms"):
        if words & {"us"} or "µs" in name:
            return 0.001, "µs → ms"
        if not words & {"ms"}:
            return 1.0, "CHECK the unit: ms assumed (some counters count 0.1 ms)"
    if counter in ("utilisation_pct", "packet_loss_pct"):
        if "permille" in name:
            return 0.1, "‰ → %"
        if values and max(values) <= 1.0 and "pct" not in name and "%" not in name:
            return 100.0, "a ratio 0–1 → %"
    if counter == "unavailable_s" and words & {"min", "mins", "minutes"}:
        return 60.0, "minutes → seconds"
    return 1.0, ""


def _pairs(sample: Sample, numeric: list[str]) -> dict[str, Guess]:
    """Counters that real exports give as two columns: DL volume ÷ transfer time, used ÷
    available PRBs, a Sum ÷ its Samp (Ericsson's averages)."""
    found: dict[str, Guess] = {}
    dl = [c for c in numeric if not _words(c) & _UPLINK]
    volume = next((c for c in dl if _words(c) & {"vol", "volume", "bits", "bit", "bytes"}
                   and _words(c) & {"dl", "downlink", "thrp", "thp"}
                   and "lasttti" not in c.lower()), None)
    time = next((c for c in dl if "time" in _words(c) and _words(c) & {"thp", "thrp"}), None)
    if volume and time:
        unit = 1e-3 if _words(volume) & {"bit", "bits"} else 8e-3 if "bytes" in _words(
            volume) else 1.0
        spec: dict = {"column": volume, "per": time, "scale": unit}
        last = next((c for c in numeric if c.lower() == volume.lower() + "lasttti"), None)
        if last:
            spec["minus"] = last
        found["dl_throughput_mbps"] = Guess(spec, "volume ÷ transfer time; CHECK the units: "
                                            + ("bit ÷ ms = kbit/s" if unit == 1e-3 else
                                               "kbit ÷ ms = Mbit/s"))
    used = next((c for c in dl if "prb" in _words(c) and "used" in _words(c)), None)
    avail = next((c for c in dl if "prb" in _words(c) and _words(c) & {"avail", "available"}),
                 None)
    if used and avail:
        found["utilisation_pct"] = Guess({"column": used, "per": avail, "scale": 100},
                                         "used ÷ available PRBs → %")
    for column in numeric:
        if column.endswith("Sum"):
            samples = column[:-3] + "Samp"
            guess = guess_counter(column[:-3], [])
            if samples in numeric and guess and guess[0] not in found:
                found[guess[0]] = Guess({"column": column, "per": samples},
                                        "a sum of samples ÷ the number of samples")
    return found


def guess_counters(sample: Sample, numeric: list[str]) -> tuple[dict[str, Guess], list[str]]:
    """Each warehouse counter the columns suggest (pairs first, then one column each, a
    RRC counter before others; downtime columns added up), and the columns left over."""
    found = _pairs(sample, numeric)
    taken = {c for g in found.values() for c in g.columns}
    singles: dict[str, list[tuple[str, float, float, str]]] = {}
    for column in numeric:
        if column in taken:
            continue
        values = [x for v in sample.values(column) if (x := sample.number(v)) is not None]
        guess = guess_counter(column, values)
        if guess and guess[0] not in found:
            singles.setdefault(guess[0], []).append((column, *guess[1:]))
    for counter, options in singles.items():
        options.sort(key=lambda o: 0 if "rrc" in _words(o[0]) else 1)
        column, scale, offset, why = options[0]
        spec: dict = {"column": column}
        if counter == "unavailable_s" and why == "available %":
            spec["of_interval"] = "available_pct"
            why = "availability % of each row's interval → seconds down"
        elif counter == "unavailable_s" and len(options) > 1:
            spec["column"] = [o[0] for o in options if o[1] == scale and o[3] != "available %"]
            why = "downtime columns added up" + (f"; {why}" if why else "")
        if scale != 1:
            spec["scale"] = scale
        if offset:
            spec["offset"] = offset
        found[counter] = Guess(spec, why)
    used = {c for g in found.values() for c in g.columns}
    return found, [c for c in numeric if c not in used]


# --- the file -----------------------------------------------------------------------------

def suggest_pm_mapping(file_name: str, lines: Sequence[str]) -> str:
    """A commented PM mapping file for an export whose first lines are ``lines``."""
    sample = read_sample(lines)
    stamp, time_columns = guess_time(sample)
    times = _instants(sample, stamp, time_columns)
    interval, interval_why, interval_columns = guess_interval(sample, stamp, time_columns)
    resource, kind, used = guess_resource(sample, [*time_columns, *interval_columns], times)
    numeric = numeric_columns(sample, [*time_columns, *used, *interval_columns])
    counters, extras = guess_counters(sample, numeric)
    name = looks_like_name(file_name.rsplit(".", 1)[0])
    match = [*time_columns, resource["column"],
             *[g.columns[0] for g in counters.values()][:1]]
    out = [f"# Suggested PM mapping for {file_name}, guessed from its header and "
           f"{len(sample.rows)} sample rows.",
           "# Check every line (above all CHECK, the time zone and the units), then save it "
           "as",
           f"# <mappings folder>/kpis/{name}.yaml and run `cxbridge sources check` again.",
           f"name: {name}",
           f"vendor: {name}                 # free text: who wrote the export",
           f"match: [{', '.join(_quoted(c) for c in dict.fromkeys(match))}]"]
    out += _layout_lines(sample)
    out.append("timestamp:")
    out += [f"  {key}: {_flow(value) if isinstance(value, dict) else _quoted(value)}"
            for key, value in stamp.items()]
    out += [f"# CHECK: {note}" for note in _time_notes(sample, stamp, time_columns)]
    out.append(_zone_line(sample, time_columns))
    if interval != 15:
        shown = _flow(interval) if isinstance(interval, dict) else str(interval)
        out.append(f"interval_minutes: {shown}" + (f"   # {interval_why}" if interval_why
                                                  else ""))
    out.append(f"resource_id: {_flow(resource)}")
    out.append(f"resource_type: {_flow(kind)}" + ("" if "column" in kind else
                                                  "   # cell, pon_port, …: what the objects are"))
    out.append("counters:" if counters else "counters: {}              # none recognised "
                                                 "by name: map them by hand")
    for counter, guess in counters.items():
        out.append(f"  {counter}: {_flow(guess.spec)}" + (f"   # {guess.why}"
                                                           if guess.why else ""))
    out.append("extra_counters: keep          # other numeric columns are kept"
               + (f": {', '.join(extras)}" if extras else ""))
    return "\n".join(out) + "\n"


def _layout_lines(sample: Sample) -> list[str]:
    """The layout keys the sample needs (only those that differ from the defaults)."""
    out = []
    if sample.header_row > 1:
        out.append(f"header_row: {sample.header_row}                # the lines above are a "
                   "preamble")
    out.append(f"separator: {_quoted(sample.separator)}")
    if sample.decimal == ",":
        out.append('decimal: ","                 # numbers are written 12,5')
    if sample.thousands:
        shown = "space" if sample.thousands == " " else _quoted(sample.thousands)
        out.append(f"thousands: {shown}              # numbers are written 1{sample.thousands}"
                   "234")
    if sample.suffixes:
        out.append(f"value_suffixes: [{', '.join(map(_quoted, sample.suffixes))}]"
                   "       # dropped after a number: 63.5% is 63.5")
    if sample.null_values:
        out.append(f"null_values: [{', '.join(map(_quoted, sample.null_values))}]"
                   "   # mean no value (not measured)")
    if sample.units_row:
        out.append("units_row: true               # the line under the header holds units")
    if sample.footer_rows:
        out.append(f"footer_rows: {sample.footer_rows}                # the last line is a "
                   "total, not a row")
    return out


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


def _yaml_number(value: float) -> str:
    """A float as YAML reads it back as a number (PyYAML takes 1e-06 for text)."""
    shown = f"{value:g}"
    return shown if "e" not in shown else f"{value:.12f}".rstrip("0")


def _flow(spec: dict) -> str:
    parts = []
    for key, value in spec.items():
        shown = (_flow(value) if isinstance(value, dict) else
                 "[" + ", ".join(_quoted(str(v)) for v in value) + "]"
                 if isinstance(value, list) else
                 _yaml_number(value) if isinstance(value, float) else
                 str(value) if isinstance(value, int) else _quoted(str(value)))
        parts.append(f"{key}: {shown}")
    return "{" + ", ".join(parts) + "}"
