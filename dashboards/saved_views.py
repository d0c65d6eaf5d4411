"""Saved named views: a page and its URL query under a name, per user, optionally shared.

A person saves what they are looking at (the page, the filter bar's and the page's own keys:
:mod:`cxbridge.dashboards.page_state`) under a name, and gets it back from the header's
"Views" menu (:mod:`cxbridge.dashboards.shell`). Views belong to the login name
(:func:`cxbridge.dashboards.auth.logged_in_user`; :data:`LOCAL_USER` when the dashboard has
no login); a shared view is listed for everybody, and only its owner may replace or delete it.

The store is one JSON file (``[dashboard] views_file``, default
``<home>/dashboard/views.json``): every change reads it, changes it and writes it whole under
an exclusive lock (a ``.lock`` file beside it, so concurrent writers, threads or processes,
wait for one another and none loses another's view), through a temporary file renamed over
the old one (a reader never sees half a file). The pure helpers in the middle
(:func:`check_name`, :func:`check_target`, :func:`upsert`, :func:`remove`, :func:`visible`)
do the rules; :class:`ViewsStore` does the I/O.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import flask

from cxbridge.dashboards.auth import logged_in_user
from cxbridge.platform.errors import UserError

LOCAL_USER = "local"  # the owner of every view when the dashboard has no login
NAME_MAX = 60
MAX_VIEWS_PER_USER = 100
QUERY_MAX = 2000
_NAME = re.compile(r"^[\w][\w .,&()'+-]*$")
_FORMAT = 1
_EXTENSION = "cxbridge.views"


class ViewError(UserError, ValueError):
    """A view that cannot be saved or deleted; the message says why and what to do."""


class ViewsFileError(UserError):
    """The views file cannot be read; the message names it and what to do."""


@dataclass(frozen=True)
class View:
    """One saved view: ``path`` and ``query`` (``'?from=…&kpi=…'``) of a page, whose
    ``owner`` named it ``name``; ``shared``: listed for everybody."""

    name: str
    owner: str
    path: str
    query: str = ""
    shared: bool = False
    saved_at: str = ""

    @property
    def href(self) -> str:
        return self.path + self.query

    @classmethod
    def from_json(cls, row: dict) -> View:
        return cls(name=str(row["name"]), owner=str(row["owner"]), path=str(row["path"]),
                   query=str(row.get("query", "")), shared=bool(row.get("shared", False)),
                   saved_at=str(row.get("saved_at", "")))


# --- pure rules --------------------------------------------------------------------------------

def check_name(raw: str | None) -> str:
    """A view's name, trimmed, or a :class:`ViewError` saying what a name may be."""
    name = " ".join((raw or "").split())
    if not name:
        raise ViewError("Give the view a name.")
    if len(name) > NAME_MAX:
        raise ViewError(f"A view's name is at most {NAME_MAX} characters (this one has "
                        f"{len(name)}).")
    if not _NAME.match(name):
        raise ViewError("A view's name may hold letters, digits, spaces and . , & ( ) ' + - _ "
                        "and starts with a letter or digit.")
    return name


def check_target(path: str | None, query: str | None) -> tuple[str, str]:
    """The page path and query of a view, or a :class:`ViewError`: the path must be one of
    this dashboard's (starting with one '/', no scheme or host, so a view never leads
    elsewhere) and the query short."""
    path, query = path or "", query or ""
    parts = urlsplit(path)
    if (not path.startswith("/") or path.startswith("//") or "\\" in path or parts.scheme
            or parts.netloc or parts.query or parts.fragment):
        raise ViewError(f"{path!r} is not a page of this dashboard.")
    if query and not query.startswith("?"):
        query = "?" + query
    if len(query) > QUERY_MAX:
        raise ViewError(f"This view's address is too long to save (over {QUERY_MAX} "
                        "characters).")
    return path, query


def upsert(views: Sequence[View], view: View) -> list[View]:
    """``views`` with ``view`` in place of the owner's view of the same name (or added); a
    :class:`ViewError` past :data:`MAX_VIEWS_PER_USER`."""
    kept = [v for v in views if (v.owner, v.name.casefold()) != (view.owner,
                                                                 view.name.casefold())]
    if sum(v.owner == view.owner for v in kept) >= MAX_VIEWS_PER_USER:
        raise ViewError(f"You have {MAX_VIEWS_PER_USER} saved views: delete one first.")
    return [*kept, view]


def remove(views: Sequence[View], owner: str, name: str) -> list[View]:
    """``views`` without ``owner``'s view ``name``; a :class:`ViewError` when there is none
    (another person's shared view cannot be deleted)."""
    kept = [v for v in views if (v.owner, v.name) != (owner, name)]
    if len(kept) == len(views):
        raise ViewError(f"You have no view named {name!r}.")
    return kept


def visible(views: Sequence[View], user: str) -> list[View]:
    """The views ``user`` may open: their own, then the ones others shared, each by name."""
    own = sorted((v for v in views if v.owner == user), key=lambda v: v.name.casefold())
    shared = sorted((v for v in views if v.owner != user and v.shared),
                    key=lambda v: (v.name.casefold(), v.owner))
    return own + shared


# --- the file ----------------------------------------------------------------------------------

class ViewsStore:
    """The views file at ``path``: read, and changed under a lock (see the module's doc)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._threads = threading.Lock()

    def load(self) -> list[View]:
        """Every saved view (none while the file does not exist)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        try:
            data = json.loads(text)
            return [View.from_json(row) for row in data["views"]]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise ViewsFileError(f"{self.path}: not a views file ({exc}); move it away to "
                                 "start afresh") from exc

    def save(self, view: View) -> View:
        """Save ``view`` (name and target checked), replacing the owner's of that name."""
        name = check_name(view.name)
        path, query = check_target(view.path, view.query)
        saved = replace(view, name=name, path=path, query=query,
                        saved_at=datetime.now(UTC).isoformat(timespec="seconds"))
        with self._locked():
            self._write(upsert(self.load(), saved))
        return saved

    def delete(self, owner: str, name: str) -> None:
        """Delete ``owner``'s view ``name``."""
        with self._locked():
            self._write(remove(self.load(), owner, name))

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._threads, open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _write(self, views: list[View]) -> None:
        body = json.dumps({"format": _FORMAT, "views": [asdict(v) for v in views]}, indent=1)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".views-",
                                             suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise


def attach_views(server: flask.Flask, path: Path) -> None:
    """Keep the views of the dashboard served by ``server`` in the file at ``path``."""
    server.extensions[_EXTENSION] = ViewsStore(path)


def current_views() -> ViewsStore:
    """The views store of the dashboard serving the current request."""
    return flask.current_app.extensions[_EXTENSION]


def current_user() -> str:
    """Whose views: the login name, or :data:`LOCAL_USER` without a login."""
    return logged_in_user() or LOCAL_USER
