"""The shared filter bar's state: one frozen value, its component ids, and its URL form.

The shell draws the filter bar; pages listen to it through :func:`filter_inputs` and turn the
values they receive into a :class:`Filters` with :meth:`Filters.from_inputs`. The state lives
in the URL query string (``?from=2026-03-01&to=2026-03-28&region=Dublin,Munster&segment=smb``)
so a link shows a colleague the same view. The state is a
:class:`cxbridge.platform.snapshot_reading.Selection`, what the snapshot's reads (the registry's
metrics among them) take.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from urllib.parse import parse_qs, parse_qsl, urlencode

from dash import Input

from cxbridge.platform.snapshot_reading import Selection

DATES_ID = "filters-dates"
REGION_ID = "filters-region"
SEGMENT_ID = "filters-segment"
CFS_TYPE_ID = "filters-cfs-type"

DEFAULT_WINDOW_DAYS = 28

# URL key → Filters field, for the multi-value filters.
_LIST_KEYS = {"region": "regions", "segment": "segments", "service": "cfs_types"}
# every URL key the filter bar owns (the other keys are a page's own state)
FILTER_KEYS: frozenset[str] = frozenset({"from", "to", *_LIST_KEYS})


def filter_inputs() -> list[Input]:
    """The callback inputs a page uses to follow the filter bar, in the order of
    :meth:`Filters.from_inputs`'s arguments."""
    return [
        Input(DATES_ID, "start_date"),
        Input(DATES_ID, "end_date"),
        Input(REGION_ID, "value"),
        Input(SEGMENT_ID, "value"),
        Input(CFS_TYPE_ID, "value"),
    ]


@dataclass(frozen=True)
class Filters(Selection):
    """What the user has chosen (dates, regions, segments, service types; an empty tuple means
    'all'), with its filter-bar and URL forms. Hashable, so it can key a cache."""

    @classmethod
    def from_inputs(
        cls,
        start: str | None,
        end: str | None,
        regions: Sequence[str] | str | None,
        segments: Sequence[str] | str | None,
        cfs_types: Sequence[str] | str | None,
    ) -> Filters:
        """Build from the filter bar's component values (ISO date strings, value lists)."""
        return cls(
            start=_parse_date(start),
            end=_parse_date(end),
            regions=_as_tuple(regions),
            segments=_as_tuple(segments),
            cfs_types=_as_tuple(cfs_types),
        )

    def to_inputs(self) -> tuple[str | None, str | None, list[str], list[str], list[str]]:
        """The filter bar's component values for this state."""
        return (
            self.start.isoformat() if self.start else None,
            self.end.isoformat() if self.end else None,
            list(self.regions),
            list(self.segments),
            list(self.cfs_types),
        )

    def to_query(self) -> str:
        """The URL query string ('?from=…&to=…&region=…'), empty keys left out."""
        pairs: list[tuple[str, str]] = []
        if self.start:
            pairs.append(("from", self.start.isoformat()))
        if self.end:
            pairs.append(("to", self.end.isoformat()))
        for key, name in _LIST_KEYS.items():
            values = getattr(self, name)
            if values:
                pairs.append((key, ",".join(values)))
        return "?" + urlencode(pairs, safe=",") if pairs else ""


@dataclass(frozen=True)
class FilterChoices:
    """What the filter bar offers for the current snapshot, and its default state."""

    first_date: date
    last_date: date
    regions: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()
    cfs_types: tuple[str, ...] = ()
    default: Filters = field(default_factory=Filters)

    @classmethod
    def for_range(cls, first_date: date, last_date: date, regions: Iterable[str],
                  segments: Iterable[str], cfs_types: Iterable[str]) -> FilterChoices:
        """Choices whose default is the last :data:`DEFAULT_WINDOW_DAYS` days, all values."""
        start = max(first_date, last_date - timedelta(days=DEFAULT_WINDOW_DAYS - 1))
        return cls(first_date, last_date, tuple(regions), tuple(segments), tuple(cfs_types),
                   Filters(start=start, end=last_date))

    def to_store(self) -> dict:
        """A JSON-able form for a ``dcc.Store``."""
        start, end, *_ = self.default.to_inputs()
        return {
            "first_date": self.first_date.isoformat(), "last_date": self.last_date.isoformat(),
            "regions": list(self.regions), "segments": list(self.segments),
            "cfs_types": list(self.cfs_types), "default_start": start, "default_end": end,
        }

    @classmethod
    def from_store(cls, data: dict) -> FilterChoices:
        """Inverse of :meth:`to_store`."""
        default = Filters(start=_parse_date(data["default_start"]),
                          end=_parse_date(data["default_end"]))
        return cls(date.fromisoformat(data["first_date"]), date.fromisoformat(data["last_date"]),
                   tuple(data["regions"]), tuple(data["segments"]), tuple(data["cfs_types"]),
                   default)

    def from_query(self, search: str | None) -> Filters:
        """The state a URL query asks for: unknown values dropped, dates kept inside the
        snapshot, and the default for anything the query leaves out."""
        query = parse_qs((search or "").lstrip("?"))
        start = _parse_date(_first(query.get("from"))) or self.default.start
        end = _parse_date(_first(query.get("to"))) or self.default.end
        start = min(max(start, self.first_date), self.last_date) if start else None
        end = min(max(end, self.first_date), self.last_date) if end else None
        if start and end and start > end:
            start, end = end, start
        picked = {}
        for key, name in _LIST_KEYS.items():
            asked = [v for raw in query.get(key, []) for v in raw.split(",")]
            allowed = getattr(self, name)
            picked[name] = tuple(v for v in allowed if v in asked)
        return replace(self.default, start=start, end=end, **picked)


def page_query(search: str | None, own: Iterable[str], pairs: Sequence[tuple[str, str]]) -> str:
    """``search`` with a page's own keys (``own``, not the filter bar's) replaced by ``pairs``:
    how a page keeps its controls (the campaign builder's offers, …) in the URL beside the
    filter bar's, so a link reopens the same view."""
    mine = set(own)
    kept = [(k, v) for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
            if k not in mine]
    merged = kept + list(pairs)
    return "?" + urlencode(merged, safe=",") if merged else ""


def keep_page_keys(filter_query: str, search: str | None) -> str:
    """The filter bar's query (:meth:`Filters.to_query`) with the keys of ``search`` that are
    not the filter bar's kept: a filter change must not drop a page's own state from the URL."""
    others = [(k, v) for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
              if k not in FILTER_KEYS]
    return page_query(filter_query, {k for k, _ in others}, others)


def filter_keys_only(search: str | None) -> str:
    """``search`` with only the filter bar's keys: what the nav links carry to the other
    pages (a page's own keys mean nothing there, and two pages may use the same key)."""
    pairs = [(k, v) for k, v in parse_qsl((search or "").lstrip("?"), keep_blank_values=True)
             if k in FILTER_KEYS]
    return "?" + urlencode(pairs, safe=",") if pairs else ""


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _as_tuple(values: Sequence[str] | str | None) -> tuple[str, ...]:
    if not values:
        return ()
    if isinstance(values, str):
        return (values,)
    return tuple(values)


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
