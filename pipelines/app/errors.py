"""How the command line reports an error, for every ``cxbridge`` command in one place.

* A **user error** (:class:`cxbridge.platform.errors.UserError` and its subclasses: a bad
  argument, a missing file or folder, a config that cannot be used, a warehouse not built yet …;
  and the dashboard's configuration errors) is one line on stderr, ``Error: <what to do>``,
  without a traceback; exit status 1.
* **Anything else** is a bug in cxbridge, even a bare ``KeyError`` or ``ValueError``: its
  traceback, then one line saying it is a bug and how to report it; exit status 70
  (``EX_SOFTWARE``). A bug must not look like a mistake of the user's.

Typer's own exits and usage errors (exit status 2 for a bad option) pass through untouched.
:class:`ReportingGroup` applies this to every command the ``cxbridge`` app runs, sub-commands
(``cxbridge churn …``, ``cxbridge sources …``) included.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape
from typer.core import TyperGroup
from typer.exceptions import TyperException

from cxbridge.platform.errors import UserError

USER_ERROR_EXIT = 1
BUG_EXIT = 70  # EX_SOFTWARE (sysexits.h): an internal software error
BUG_REPORT = ("This is a bug in cxbridge, not a problem with your data or settings: please "
              "report it with the command you ran and the traceback above.")

errors = Console(stderr=True)


def user_error_types() -> tuple[type[Exception], ...]:
    """The exceptions printed as one line: :class:`UserError`, and the dashboard's settings
    errors (the read side raises them when ``cxbridge serve`` starts)."""
    from cxbridge.dashboards.auth import DashboardConfigError

    return (UserError, DashboardConfigError)


@contextmanager
def reported_errors() -> Iterator[None]:
    """Run the block; report what it raises as a user error or as a bug (see above)."""
    try:
        yield
    except (typer.Exit, typer.Abort, TyperException):
        raise
    except Exception as exc:
        if isinstance(exc, user_error_types()):
            errors.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False,
                         soft_wrap=True)
            raise typer.Exit(USER_ERROR_EXIT) from exc
        traceback.print_exception(exc, file=sys.stderr)
        errors.print(f"[red]{escape(BUG_REPORT)}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(BUG_EXIT) from exc


class ReportingGroup(TyperGroup):
    """The ``cxbridge`` app's command group: every command it runs reports its errors through
    :func:`reported_errors`."""

    def invoke(self, ctx):
        with reported_errors():
            return super().invoke(ctx)
