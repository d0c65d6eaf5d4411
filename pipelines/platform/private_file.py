"""A file readable by its owner only: the small JSON files of secrets (the dashboard's users
file, :mod:`cxbridge.dashboards.auth`, and the API tokens file, :mod:`cxbridge.dashboards.api_auth`)
and files of personal data a command writes (:func:`private_writer`: the recorded actions, for
one).

Reading refuses a file other users of the machine can read (its hashes would be theirs to
attack offline) and says how to fix it; a file that is not the JSON expected is an error that
says what to do, never a traceback. Writing replaces the whole file atomically (written beside
it with mode 0600, then renamed), so a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


def read_private_json(path: Path, what: str, error: Callable[[str], Exception],
                      remedy: str, parse: Callable[[Any], Any]) -> Any:
    """``parse`` of the file's JSON, or None when there is no file. ``what`` names the file in
    messages ("users file"), ``error`` makes the error raised, ``remedy`` says what to do with
    a file that cannot be read; ``parse`` may raise ValueError, KeyError, TypeError or
    AttributeError for a file of the wrong shape."""
    if not path.is_file():
        return None
    if path.stat().st_mode & 0o077:
        raise error(f"{what} {path} can be read by other users of this machine: run "
                    f"`chmod 600 {path}`")
    try:
        return parse(json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise error(f"{what} {path} cannot be read ({exc}): {remedy}") from None


@contextmanager
def private_writer(path: Path, mode: str = "w") -> Iterator[IO]:
    """A handle (``mode`` "w" text, UTF-8, or "wb") that replaces ``path`` when the block ends:
    written beside it with mode 0600, then renamed, so nobody reads half a file; nothing is
    left behind when the block fails. Its folder is created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, mode, **({} if "b" in mode else {"encoding": "utf-8"})
                       ) as handle:
            yield handle
        os.chmod(partial, 0o600)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def write_private_json(path: Path, body: Any) -> None:
    """Replace ``path`` with ``body`` as JSON (mode 0600, written whole then renamed)."""
    with private_writer(path) as handle:
        json.dump(body, handle, indent=2)
        handle.write("\n")
