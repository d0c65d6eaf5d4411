"""``cxbridge users``: who may log in to the dashboard.

``cxbridge users add NAME --role ROLE`` asks for the password twice (or reads one line from
standard input with ``--password-stdin``, for scripts; never from an argument, where it would
sit in the shell history and the process list) and stores its argon2 hash and the role in the
users file (``[dashboard] users_file``, by default ``<home>/dashboard/users.json``, mode 0600).
Adding a name that exists replaces its password and role. ``users list`` shows names and roles;
``users remove NAME`` deletes one. A running server reads the file again when it changes.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

users_app = typer.Typer(help="Who may log in to the dashboard (hashed passwords, roles).",
                        no_args_is_help=True)
console = Console()


def _users_file():
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    return settings.dashboard.users_file


@users_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The user name to log in with.")],
    role: Annotated[str, typer.Option(help="executive, marketing, operations or care.")],
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input.")]
    = False,
) -> None:
    """Add a user (or replace the password and role of one)."""
    from cxbridge.dashboards.auth import UsersFileError, add_user, check_new_user

    path = _users_file()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise UsersFileError("--password-stdin: standard input gave no password (pipe one "
                                 "line, e.g. from a password manager)")
    else:
        check_new_user(name, "x" * 64, role)  # a bad name or role before asking for anything
        password = typer.prompt(f"Password for {name}", hide_input=True,
                                confirmation_prompt=True)
    new = add_user(path, name, password, role)
    console.print(f"{'Added' if new else 'Updated'} {name} ({role}) in {path}")


@users_app.command("list")
def list_users() -> None:
    """The users and their roles (never their passwords or hashes)."""
    from cxbridge.dashboards.auth import read_users

    path = _users_file()
    accounts = read_users(path)
    if not accounts:
        console.print(f"No users in {path}: add one with `cxbridge users add NAME --role ROLE`")
        return
    table = Table("user", "role", title="Dashboard users", title_justify="left")
    for user, account in sorted(accounts.items()):
        table.add_row(user, account.role)
    console.print(table)
    console.print(f"in {path}")


@users_app.command("remove")
def remove(name: Annotated[str, typer.Argument(help="The user to remove.")]) -> None:
    """Remove a user: a running dashboard refuses their next request."""
    from cxbridge.dashboards.auth import remove_user

    path = _users_file()
    remove_user(path, name)
    console.print(f"Removed {name} from {path}")
