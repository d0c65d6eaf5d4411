"""The composition root of the dashboard: build the Dash app, and serve it.

:func:`create_app` wires the shell (:mod:`cxbridge.dashboards.shell`), the pages found in
``dashboards/pages`` (Dash pages, one module per page), one
:class:`~cxbridge.dashboards.data_access.SnapshotReader` and the role rules
(:class:`~cxbridge.dashboards.roles.Access`). Nothing here touches the snapshot: the first query
runs when the first page is requested.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

import dash

from cxbridge.dashboards import shell
from cxbridge.dashboards.auth import (
    USERS_VARIABLE,
    DashboardConfigError,
    access_from,
    accounts_from_env,
    is_loopback,
    require_basic_auth,
    role_from_env,
)
from cxbridge.dashboards.context import attach_access, attach_reader, current_reader
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.exports import register_exports
from cxbridge.dashboards.roles import Account
from cxbridge.platform.settings import Settings
from cxbridge.platform.warehouse import WarehouseError

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
ASSETS_DIR = PACKAGE_DIR / "assets"
WSGI_THREADS = 8  # requests served at once (a page sends its callbacks in parallel)


def create_app(settings: Settings, users: Mapping[str, Account | str] | None = None,
               role: str | None = None, warm_new_snapshots: bool = False) -> dash.Dash:
    """The dashboard for the snapshots under ``settings``. With ``users`` (name → account, or
    name → password for the role ``role`` or the default), behind a login; without, ``role``
    is everybody's role, and without that a switcher in the header picks it.
    ``warm_new_snapshots``: see :class:`cxbridge.dashboards.data_access.SnapshotReader` (on when
    served)."""
    access = access_from(users, role)
    app = dash.Dash(
        "dashboards",
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        title=shell.PRODUCT_NAME,
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    attach_reader(app.server, SnapshotReader(settings, warm_new_snapshots=warm_new_snapshots))
    attach_access(app.server, access)
    register_exports(app.server)
    if access.login_required:
        require_basic_auth(app.server, access.accounts)
    app.layout = shell.shell_layout
    shell.register_callbacks(app)
    return app


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8050,
    debug: bool = False,
    env: Mapping[str, str] | None = None,
) -> None:
    """Run the dashboard on waitress, a production WSGI server (Flask's development server
    with ``debug``). Beyond loopback a login is required (``CXBRIDGE_DASHBOARD_USERS``,
    ``user:password:role``); on loopback it is used when set. ``CXBRIDGE_DASHBOARD_ROLE`` is
    the role of users listed without one, or of everybody when there is no login."""
    env = os.environ if env is None else env
    accounts = accounts_from_env(env)
    if not accounts and not is_loopback(host):
        raise DashboardConfigError(
            f"refusing to serve the dashboard on {host}, which other machines can reach, "
            f"without a login: set {USERS_VARIABLE}='user:password:role[,user2:password2:role2]'"
            " (roles: executive, marketing, operations, care) or serve on 127.0.0.1"
        )
    app = create_app(settings, users=accounts, role=role_from_env(env), warm_new_snapshots=True)
    # the snapshot there is now, warmed before the first user arrives (none published yet:
    # the pages say to run `cxbridge run`)
    with app.server.app_context(), contextlib.suppress(WarehouseError):
        current_reader().snapshot_info()
    if debug:  # Flask's development server: reloads on edits, shows tracebacks
        app.run(host=host, port=port, debug=True)
        return
    from waitress import serve as serve_wsgi

    serve_wsgi(app.server, host=host, port=port, threads=WSGI_THREADS, ident="cxbridge")
