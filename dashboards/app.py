"""The composition root of the dashboard: build the Dash app, and serve it.

:func:`create_app` wires the shell (:mod:`cxbridge.dashboards.shell`), the pages found in
``dashboards/pages`` (Dash pages, one module per page), one
:class:`~cxbridge.dashboards.data_access.SnapshotReader`, the role rules
(:class:`~cxbridge.dashboards.roles.Access`), the request checks and security headers of
:mod:`cxbridge.dashboards.security` and, when there are users, the login of
:mod:`cxbridge.dashboards.login`. Nothing here touches the snapshot: the first query runs when
the first page is requested.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path

import dash

from cxbridge.dashboards import security, shell
from cxbridge.dashboards.api import attach_api
from cxbridge.dashboards.auth import (
    DashboardConfigError,
    UsersStore,
    is_loopback,
    refuse_users_variable,
    role_from_env,
)
from cxbridge.dashboards.clock import use_zone
from cxbridge.dashboards.context import attach_access, attach_reader, current_reader
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.exports import register_exports
from cxbridge.dashboards.login import install_login
from cxbridge.dashboards.review_export import register_review_export
from cxbridge.dashboards.roles import Access, Account, check_role
from cxbridge.dashboards.saved_views import attach_views
from cxbridge.dashboards.workflow_view import attach_store
from cxbridge.platform.action_log import ActionLog
from cxbridge.platform.dashboard_settings import DashboardSettings, dashboard_settings
from cxbridge.platform.settings import Settings
from cxbridge.platform.warehouse import WarehouseError
from cxbridge.platform.workflow import WorkflowStore

PACKAGE_DIR = Path(__file__).resolve().parent
PAGES_DIR = PACKAGE_DIR / "pages"
ASSETS_DIR = PACKAGE_DIR / "assets"
WSGI_THREADS = 8  # requests served at once (a page sends its callbacks in parallel)
log = logging.getLogger(__name__)


def dashboard_config(settings: Settings) -> DashboardSettings:
    """The ``[dashboard]`` settings (their defaults under the data home when ``settings`` was
    built by hand)."""
    return settings.dashboard or dashboard_settings({}, {}, settings.home)


def create_app(settings: Settings, users: Mapping[str, Account] | None = None,
               role: str | None = None, warm_new_snapshots: bool = False, *,
               listen: str = "127.0.0.1", tls: bool | None = None,
               clock: Callable[[], float] = time.monotonic) -> dash.Dash:
    """The dashboard for the snapshots under ``settings``.

    ``users``: name → account; None reads the users file of the settings (and again whenever
    it changes). With users, every request needs a log-in; without, ``role`` is everybody's
    role, and without that a switcher in the header picks it (loopback only: see
    :func:`serve`). ``listen`` is the address served on (it decides the Host names answered
    to), ``tls`` whether it is HTTPS (the settings' certificate, when None), ``clock`` the
    seconds that session lifetimes and lockouts count in (tests move it).
    ``warm_new_snapshots``: see :class:`cxbridge.dashboards.data_access.SnapshotReader` (on
    when served)."""
    config = dashboard_config(settings)
    tls = config.tls if tls is None else tls
    store = UsersStore(config.users_file, users)
    login = bool(store.accounts())
    fixed = check_role(role) if role and not login else None
    access = Access(accounts=store if login else {}, fixed_role=fixed, login=login)
    app = dash.Dash(
        "dashboards",
        use_pages=True,
        pages_folder=str(PAGES_DIR),
        assets_folder=str(ASSETS_DIR),
        title=shell.PRODUCT_NAME,
        update_title=None,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
        on_error=security.callback_error,
    )
    security.install(app, security.allowed_hosts(listen, login, config.allowed_hosts),
                     config.max_request_kb * 1024, tls)
    attach_reader(app.server, SnapshotReader(settings, warm_new_snapshots=warm_new_snapshots))
    attach_access(app.server, access)
    register_exports(app.server, config.audit_file, ActionLog(settings.action_log_file),
                     settings.care_control_rate)  # every list downloaded is a recorded action
    register_review_export(app.server, config.audit_file, settings.whatif)  # campaign review
    use_zone(app.server, config.timezone)  # the zone times are shown in
    attach_views(app.server, config.views_file or settings.home / "dashboard" / "views.json")
    attach_store(app.server, WorkflowStore(config.workflow_file, config.audit_file))
    attach_api(app.server, config.api_tokens_file or settings.home / "ops" / "api_tokens.json",
               config.audit_file)  # before the log-in: the API has its own tokens
    if login:
        install_login(app.server, store, config, tls=tls, clock=clock)
    app.layout = shell.shell_layout
    shell.register_callbacks(app)
    return app


def settle_heap() -> None:
    """Put every object alive now (the app, its pages, the libraries, what is cached) out of
    the garbage collector's reach before serving (``gc.freeze``): its full collections then
    scan only what requests create. Measured with the dashboard bench at scale 1, their pauses
    fall from 35–65 ms to about 5 ms, which otherwise land in whichever interaction is running
    (a third of its 150 ms budget). Undone at exit, so that the native libraries' own leak
    checks see everything freed."""
    gc.collect()
    gc.freeze()
    atexit.register(gc.unfreeze)


def serve(
    settings: Settings,
    host: str = "127.0.0.1",
    port: int = 8050,
    debug: bool = False,
    env: Mapping[str, str] | None = None,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> None:
    """Run the dashboard: on waitress, a production WSGI server; over HTTPS (given a
    certificate and key, here or in the settings) on werkzeug's threaded server, as waitress
    does not speak TLS; Flask's development server with ``debug``.

    Beyond loopback a login is required: users in the users file (``cxbridge users add``).
    Without users (loopback only), ``CXBRIDGE_DASHBOARD_ROLE`` is everybody's role."""
    env = os.environ if env is None else env
    refuse_users_variable(env)
    config = dashboard_config(settings)
    if (certfile is None) != (keyfile is None):
        raise DashboardConfigError("--certfile and --keyfile go together: give both (HTTPS) "
                                   "or neither")
    if certfile is not None:
        config = replace(config, certfile=Path(certfile), keyfile=Path(keyfile))
    for path in (config.certfile, config.keyfile) if config.tls else ():
        if not path.is_file():
            raise DashboardConfigError(f"TLS file {path} does not exist: give the PEM "
                                       "certificate and key files (--certfile, --keyfile)")
    users = UsersStore(config.users_file)
    if not users.accounts() and not is_loopback(host):
        raise DashboardConfigError(
            f"refusing to serve the dashboard on {host}, which other machines can reach, "
            f"without a login: add users with `cxbridge users add NAME --role ROLE` (roles: "
            f"executive, marketing, operations, care; they go to {config.users_file}) or "
            "serve on 127.0.0.1")
    if users.accounts() and not config.tls and not is_loopback(host):
        log.warning("serving log-ins over plain HTTP on %s: passwords and session cookies "
                    "cross the network in clear unless a TLS proxy is in front (give --certfile "
                    "and --keyfile for HTTPS)", host)
    app = create_app(replace(settings, dashboard=config), role=role_from_env(env),
                     warm_new_snapshots=True, listen=host, tls=config.tls)
    # the snapshot there is now, warmed before the first user arrives (none published yet:
    # the pages say to run `cxbridge run`)
    with app.server.app_context(), contextlib.suppress(WarehouseError):
        current_reader().snapshot_info()
    settle_heap()
    if debug:  # Flask's development server: reloads on edits, shows tracebacks
        app.run(host=host, port=port, debug=True)
        return
    if config.tls:
        from werkzeug.serving import make_server

        make_server(host, port, app.server, threaded=True,
                    ssl_context=(str(config.certfile), str(config.keyfile))).serve_forever()
        return
    from waitress import serve as serve_wsgi

    serve_wsgi(app.server, host=host, port=port, threads=WSGI_THREADS, ident="cxbridge",
               max_request_body_size=config.max_request_kb * 1024)
