"""How page code finds the app's :class:`SnapshotReader` without importing the app.

:func:`dashboards.app.create_app` attaches one reader to the Flask server; layouts and
callbacks run inside a request and ask for it with :func:`current_reader`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import flask
from dash.exceptions import PreventUpdate

from dashboards.data_access import SnapshotReader
from pipelines.warehouse import WarehouseError

_EXTENSION = "cxbridge.snapshot_reader"

P = ParamSpec("P")
R = TypeVar("R")


def attach_reader(server: flask.Flask, reader: SnapshotReader) -> None:
    """Make ``reader`` the one the app's layouts and callbacks use."""
    server.extensions[_EXTENSION] = reader


def current_reader() -> SnapshotReader:
    """The reader of the app serving the current request."""
    return flask.current_app.extensions[_EXTENSION]


def needs_snapshot(callback: Callable[P, R]) -> Callable[P, R]:
    """Leave a callback's outputs as they are while no snapshot is published (the shell
    already tells the user what to do) instead of failing the request."""

    @functools.wraps(callback)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return callback(*args, **kwargs)
        except WarehouseError as exc:
            raise PreventUpdate from exc

    return wrapper
