"""``cxbridge api``: the tokens other systems call the REST API with.

``cxbridge api token add NAME --role ROLE`` issues a token and prints it once, alone on
standard output (so a script can capture it); only its argon2 hash is kept, in the tokens file
(``[dashboard] api_tokens_file``, by default ``<home>/ops/api_tokens.json``, mode 0600).
``api token list`` shows names, roles and when each was issued; ``api token revoke NAME``
removes one, and a running server refuses it from its next call. Issuing and revoking are
recorded in the audit log.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

api_app = typer.Typer(help="The REST API (TMF656/642/657 and the metrics): its tokens.",
                      no_args_is_help=True)
token_app = typer.Typer(help="Tokens for the REST API (hashed, each with a role).",
                        no_args_is_help=True)
api_app.add_typer(token_app, name="token")
console = Console(stderr=True)


def _files():
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    config = settings.dashboard
    tokens = config.api_tokens_file or settings.home / "ops" / "api_tokens.json"
    return tokens, config.audit_file


@token_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="What calls with it, e.g. 'itsm-prod'.")],
    role: Annotated[str, typer.Option(help="executive, marketing, operations or care.")],
) -> None:
    """Issue a token and print it once (it cannot be shown again)."""
    import getpass

    from cxbridge.dashboards.api_auth import add_token
    from cxbridge.platform import audit

    tokens, audit_file = _files()
    token = add_token(tokens, name, role)
    audit.record(audit_file, "api_token_add", user=getpass.getuser(), token=name, role=role,
                 via="cli")
    typer.echo(token)
    console.print(f"Issued API token {name!r} ({role}) in {tokens}. It is shown only now: "
                  "send it as 'Authorization: Bearer <token>'.")


@token_app.command("list")
def list_tokens() -> None:
    """The tokens: names, roles, when issued (never the tokens or their hashes)."""
    from cxbridge.dashboards.api_auth import read_tokens

    tokens, _ = _files()
    entries = read_tokens(tokens)
    if not entries:
        console.print(f"No API tokens in {tokens}: issue one with `cxbridge api token add NAME "
                      "--role ROLE`")
        return
    table = Table("name", "role", "issued (UTC)", title="API tokens", title_justify="left")
    for entry in sorted(entries.values(), key=lambda e: e.name):
        table.add_row(entry.name, entry.role, entry.created_at)
    Console().print(table)
    console.print(f"in {tokens}")


@token_app.command("revoke")
def revoke(name: Annotated[str, typer.Argument(help="The token to revoke.")]) -> None:
    """Revoke a token: a running server refuses it from its next call."""
    import getpass

    from cxbridge.dashboards.api_auth import revoke_token
    from cxbridge.platform import audit

    tokens, audit_file = _files()
    gone = revoke_token(tokens, name)
    audit.record(audit_file, "api_token_revoke", user=getpass.getuser(), token=name,
                 role=gone.role, via="cli")
    console.print(f"Revoked API token {name!r} ({gone.role}) in {tokens}")
