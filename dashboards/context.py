"""How page code finds the app's :class:`SnapshotReader` and the viewer's role without
importing the app.

:func:`cxbridge.dashboards.app.create_app` attaches one reader and one
:class:`~cxbridge.dashboards.roles.Access`
to the Flask server; layouts and callbacks run inside a request and ask for them with
:func:`current_reader` and :func:`current_role`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import flask
from dash import Input
from dash.exceptions import PreventUpdate

from cxbridge.dashboards.auth import logged_in_user
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.roles import Access
from cxbridge.platform.snapshot_reading import MissingTableError
from cxbridge.platform.warehouse import WarehouseError

ROLE_ID = "shell-role"  # the header's role switcher (hidden when the role is not chosen)

_READER = "cxbridge.snapshot_reader"
_ACCESS = "cxbridge.access"

P = ParamSpec("P")
R = TypeVar("R")


def attach_reader(server: flask.Flask, reader: SnapshotReader) -> None:
    """Make ``reader`` the one the app's layouts and callbacks use."""
    server.extensions[_READER] = reader


def attach_access(server: flask.Flask, access: Access) -> None:
    """Make ``access`` decide the role of the app's requests."""
    server.extensions[_ACCESS] = access


def current_reader() -> SnapshotReader:
    """The reader of the app serving the current request."""
    return flask.current_app.extensions[_READER]


def current_access() -> Access:
    """The logins and role rules of the app serving the current request."""
    return flask.current_app.extensions.get(_ACCESS) or Access()


def current_role(requested: str | None = None) -> str:
    """The role of the current request; ``requested`` (the header switcher) counts only on a
    server without login and without a fixed role."""
    return current_access().role_for(logged_in_user(), requested)


def role_input() -> Input:
    """The callback input carrying the role the header shows; pass its value to
    :func:`current_role`, which trusts it only where the role may be chosen."""
    return Input(ROLE_ID, "value")


def needs_snapshot(callback: Callable[P, R]) -> Callable[P, R]:
    """Leave a callback's outputs as they are while no snapshot is published, or when the
    snapshot lacks a table the callback reads (the shell already tells the user what to do),
    instead of failing the request."""

    @functools.wraps(callback)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return callback(*args, **kwargs)
        except (WarehouseError, MissingTableError) as exc:
            # no snapshot, or one without a table the callback reads: the shell and the feed
            # notices say what is missing and which feed would bring it
            raise PreventUpdate from exc

    return wrapper
