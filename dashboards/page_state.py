"""A page's own controls in the URL, beside the filter bar's: one mechanism for every page.

A page declares its controls once, as a :class:`PageState` of :class:`Control` (URL key,
component id, default, parser, writer). From that:

* the page's ``layout(**query)`` reads the values the URL asks for (:meth:`PageState.values`):
  a value that does not parse (a hand-edited URL) is the control's default, never an error page;
* :meth:`PageState.register` adds the one callback that keeps the controls and the URL in step:
  a control change writes the page's keys into the URL
  (:func:`cxbridge.dashboards.filters.page_query`, the filter bar's keys left as they are), and
  a URL that changes otherwise (back, forward) sets the controls. Values at their default are
  left out of the URL, so links stay short; a rule tying controls together (the overview's
  breakdown offers only the chosen KPI's dimensions) is the state's ``fix``.

Who writes what: the page writes through its own ``dcc.Location`` (:meth:`PageState.location`,
a pattern id ``{"type": "page-url", "page": …}``) and the shell through ``shell-url``; neither
refreshes, so a write re-renders nothing, and neither hears the other's writes (Dash's
Location pushes the address without telling the others). So each takes only its own keys from
its own Location and the other's from the other's: the page the filter bar's keys from
``shell-url``, the shell (:func:`cxbridge.dashboards.shell.register_callbacks`) the page's keys
from the page's Location. Back and forward tell every Location.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from dash import Input, Output, State, callback, ctx, dcc, no_update
from dash.exceptions import PreventUpdate

from cxbridge.dashboards.filters import FILTER_KEYS, filter_keys_only, page_query

SHELL_URL_ID = "shell-url"  # the shell's Location (cxbridge.dashboards.shell.URL_ID)
PAGE_URL_TYPE = "page-url"  # the pattern id type of a page's own Location


@dataclass(frozen=True)
class Control:
    """One control of a page and its URL key.

    ``parse`` turns the URL's text into the component's value and raises ``ValueError`` (or
    ``TypeError``, ``KeyError``) on text it cannot use; ``dump`` is its inverse. A component's
    value is made canonical by a round trip through both (:meth:`clean`), so the URL and the
    control are compared as the URL would say them."""

    key: str
    component_id: str
    default: Any
    parse: Callable[[str], Any]
    dump: Callable[[Any], str] = str
    prop: str = "value"

    def read(self, raw: str | None) -> Any:
        """The component value the URL text ``raw`` asks for; the default when there is none
        or it does not parse."""
        if raw is None:
            return self.default
        try:
            return self.parse(raw)
        except (ValueError, TypeError, KeyError):
            return self.default

    def clean(self, value: Any) -> Any:
        """A component's value as the URL would give it back (the default when unusable)."""
        try:
            return self.read(self.dump(value))
        except (ValueError, TypeError, KeyError, AttributeError):
            return self.default


def _no_fix(values: dict[str, Any]) -> dict[str, Any]:
    return values


@dataclass(frozen=True)
class PageState:
    """The controls page ``page`` keeps in the URL (keys neither the filter bar's nor
    repeated). ``fix`` makes a set of values consistent (key → value in, key → value out)."""

    page: str
    controls: tuple[Control, ...]
    fix: Callable[[dict[str, Any]], dict[str, Any]] = _no_fix

    def __post_init__(self) -> None:
        keys = [c.key for c in self.controls]
        clash = (set(keys) & FILTER_KEYS) or {k for k in keys if keys.count(k) > 1}
        if clash:
            raise ValueError(f"page state keys {sorted(clash)} are the filter bar's or repeat")

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.controls)

    @property
    def location_id(self) -> dict[str, str]:
        return {"type": PAGE_URL_TYPE, "page": self.page}

    def location(self) -> dcc.Location:
        """The page's own view of the address bar (put it in the page's layout); its href is
        given, and never written, as the shell's (a Location pushes its href when it changes,
        and one read at load goes stale once another Location writes)."""
        return dcc.Location(id=self.location_id, refresh=False, href="")

    def values(self, query: str | Mapping[str, str] | None) -> dict[str, Any]:
        """Key → component value for a URL query (``'?kpi=…'``) or the keyword arguments Dash
        gives a page's layout; defaults for what it leaves out or gets wrong."""
        if query is None or isinstance(query, str):
            parsed = parse_qs((query or "").lstrip("?"), keep_blank_values=True)
            given = {k: v[0] for k, v in parsed.items()}
        else:
            given = {k: str(v) for k, v in query.items()}
        return self.fix({c.key: c.read(given.get(c.key)) for c in self.controls})

    def pairs(self, values: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The URL pairs of ``values`` (key → component value), defaults left out."""
        out = []
        for control in self.controls:
            value = control.clean(values.get(control.key, control.default))
            if value != control.default:
                out.append((control.key, control.dump(value)))
        return out

    def query(self, search: str | None, values: Mapping[str, Any]) -> str:
        """``search`` with this page's keys set to ``values`` (every other key kept)."""
        return page_query(search, self.keys, self.pairs(values))

    def register(self) -> Callable:
        """Add the callback that keeps the controls and the URL in step (call once, at the
        page module's import)."""
        location = self.location_id

        @callback(Output(location, "search"),
                  *[Output(c.component_id, c.prop) for c in self.controls],
                  Input(location, "search"),
                  *[Input(c.component_id, c.prop) for c in self.controls],
                  State(SHELL_URL_ID, "search"))
        def sync_controls_and_url(search, *shown_and_shell):
            *shown, shell_search = shown_and_shell
            shown_clean = {c.key: c.clean(v) for c, v in zip(self.controls, shown, strict=True)}
            # back, forward, a view picked: the URL wins; a control changed (or the page was
            # drawn): the URL follows
            from_url = ctx.triggered_id == location
            wanted = self.values(search) if from_url else self.fix(shown_clean)
            changed = [wanted[c.key] if wanted[c.key] != shown_clean[c.key] else no_update
                       for c in self.controls]
            if from_url:  # this Location has just heard the address: fresh for every key;
                # a value it does not take (a hand-edited link) is dropped from it
                query = self.query(search, wanted)
            else:  # the filter bar's keys from the shell's Location (this one may not have
                # heard of its last change), this page's from the controls
                query = self.query(filter_keys_only(shell_search), wanted)
            if query == (search or ""):
                query = no_update
            if query is no_update and all(v is no_update for v in changed):
                raise PreventUpdate
            return query, *changed

        return sync_controls_and_url


# --- parsers -----------------------------------------------------------------------------------

def one_of(allowed: Iterable[str]) -> Callable[[str], str]:
    """A parser accepting only the values in ``allowed``."""
    allowed = tuple(allowed)

    def parse(raw: str) -> str:
        if raw not in allowed:
            raise ValueError(f"{raw!r} is not one of {', '.join(allowed)}")
        return raw

    return parse


def subset_of(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    """A parser of a comma-separated subset of ``allowed`` (in ``allowed``'s order; unknown
    values dropped, and text naming none of them refused; empty text is the empty list, which
    differs from a missing key)."""
    allowed = tuple(allowed)

    def parse(raw: str) -> list[str]:
        asked = set(raw.split(","))
        picked = [v for v in allowed if v in asked]
        if raw and not picked:
            raise ValueError(f"{raw!r} names none of {', '.join(allowed)}")
        return picked

    return parse


def join(values: Sequence[str]) -> str:
    """The writer of :func:`subset_of`."""
    if isinstance(values, str):
        raise TypeError("a list of values, not one string")
    return ",".join(values)


def number_between(low: float, high: float) -> Callable[[str], float]:
    """A parser of a number, clamped to ``low``–``high`` (not a number: ``ValueError``)."""

    def parse(raw: str) -> float:
        value = float(raw)
        if value != value:  # NaN
            raise ValueError("not a number")
        value = min(max(value, low), high)
        return int(value) if value == int(value) else value

    return parse


def number_text(value: float | int) -> str:
    """The writer of :func:`number_between` ('20', '12.5')."""
    return f"{float(value):g}"


def flag_parse(on_value: str) -> Callable[[str], list[str]]:
    """A parser for a one-option ``dbc.Checklist`` switch: '1' is ``[on_value]``, '0' is
    ``[]``."""

    def parse(raw: str) -> list[str]:
        if raw not in ("0", "1"):
            raise ValueError("a switch is 0 or 1")
        return [on_value] if raw == "1" else []

    return parse


def flag_dump(value: Sequence[str]) -> str:
    """The writer of :func:`flag_parse`."""
    if isinstance(value, str):
        raise TypeError("a checklist value is a list")
    return "1" if value else "0"
