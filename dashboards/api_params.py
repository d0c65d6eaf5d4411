"""The REST API's query parameters, checked: pure functions from the query's values to what
the readers take, or an :class:`ApiError` (400) that names the parameter and says what is
allowed. What each endpoint takes is declared in :mod:`cxbridge.dashboards.api_spec`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

from cxbridge.dashboards.api_spec import PARAMS, Endpoint
from cxbridge.dashboards.filters import FilterChoices, Filters

BAD = "Bad parameter"


class ApiError(Exception):
    """An answer other than 200, with its TMF error body."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


def parse_query(endpoint: Endpoint, args: Mapping[str, Sequence[str]]) -> dict[str, object]:
    """The query's parameters (name → every value given), checked against the endpoint's."""
    unknown = sorted(set(args) - set(endpoint.params))
    if unknown:
        raise ApiError(400, BAD, f"unknown parameter {unknown[0]!r}; this endpoint takes: "
                       f"{', '.join(endpoint.params) or 'none'}")
    return {name: parse_value(name, ",".join(values)) for name, values in args.items()}


def parse_value(name: str, raw: str) -> object:
    """One parameter's value as its kind says (see :class:`~.api_spec.Param`)."""
    param = PARAMS[name]
    bad = f"parameter {name!r} is {raw!r}"
    if param.kind in ("int", "ints"):
        return _numbers(param, raw, bad)
    if param.kind in ("date", "datetime"):
        try:
            return (date.fromisoformat(raw) if param.kind == "date"
                    else datetime.fromisoformat(raw.replace("Z", "+00:00")))
        except ValueError:
            example = "a date, e.g. 2026-10-01" if param.kind == "date" else (
                "time, e.g. 2026-10-01T08:00:00Z")
            raise ApiError(400, BAD, f"{bad}: use an ISO 8601 {example}") from None
    if param.kind == "choice":
        if raw not in param.choices:
            raise ApiError(400, BAD, f"{bad}: use one of {', '.join(param.choices)}")
        return raw
    values = [v.strip() for v in raw.split(",") if v.strip()]
    wrong = [v for v in values if param.choices and v not in param.choices]
    if wrong or (not values and param.kind != "fields"):
        raise ApiError(400, BAD, f"{bad}: use one or more of "
                       f"{', '.join(param.choices) or 'the ids to keep'}, comma-separated")
    return values


def _numbers(param, raw: str, bad: str) -> int | list[int]:
    parts = [p.strip() for p in raw.split(",")] if param.kind == "ints" else [raw.strip()]
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = None
    if numbers is None or any((param.low is not None and n < param.low)
                              or (param.high is not None and n > param.high) for n in numbers):
        span = f"from {param.low}" + (f" to {param.high}" if param.high else " up")
        raise ApiError(400, BAD, f"{bad}: use a whole number {span}")
    return numbers if param.kind == "ints" else numbers[0]


def naive_utc(moment: datetime | None) -> datetime | None:
    """A time as the snapshot stores it: UTC without a zone (a time without one is UTC)."""
    if moment is None or moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def selection(params: Mapping[str, object], choices: FilterChoices) -> Filters:
    """The filter bar's selection a query asks for: the Overview's default period unless
    ``from``/``to`` say otherwise (kept inside the snapshot), and only values it holds."""
    start = params.get("from") or choices.default.start
    end = params.get("to") or choices.default.end
    if start > end:
        raise ApiError(400, BAD, f"'from' ({start}) is after 'to' ({end})")
    start, end = max(start, choices.first_date), min(end, choices.last_date)
    picked = {}
    for key, field, allowed in (("region", "regions", choices.regions),
                                ("segment", "segments", choices.segments),
                                ("service", "cfs_types", choices.cfs_types)):
        asked = params.get(key, [])
        unknown = [v for v in asked if v not in allowed]
        if unknown:
            raise ApiError(400, BAD, f"{key} {unknown[0]!r} is not in this snapshot; {key}s: "
                           f"{', '.join(allowed)}")
        picked[field] = tuple(asked)
    return Filters(start=start, end=end, **picked)
