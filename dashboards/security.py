"""What every request and response of the dashboard goes through, login or not: the Host
allow-list, the request size limit, the shape of callback requests, and the security headers.

* **Host allow-list.** A page on another site can make the browser send requests to
  ``localhost:8050`` under its own name (DNS rebinding) and read the answers, exports with
  contact details included. A request whose ``Host`` is not one this server answers to gets
  400. Without a login (the demo) that is only the names that mean loopback (``localhost``,
  ``127.0.0.1``, ``[::1]``, any port); with users, ``[dashboard] allowed_hosts`` or, by default,
  the listen address, the machine's name and addresses, and the loopback names.
* **Size limit.** A request body larger than ``[dashboard] max_request_kb`` gets 413 before it is
  read (Flask's ``MAX_CONTENT_LENGTH``; waitress is given the same limit, so it does not buffer
  one either).
* **Callback requests.** A body posted to ``/_dash-update-component`` that is not what the Dash
  front end sends (not an object, an unknown output, inputs that are not ``{id, property,
  value}``, ids or properties the callback does not declare) gets 400 before Dash reads it; a
  callback that fails on the values of a well-formed request (a number where a list of regions
  is expected) answers 400 too, with its traceback logged, since it may as well be a bug
  (:func:`callback_error`).
* **Headers** on every response: a Content-Security-Policy that allows only this server's own
  scripts plus the hashes of Dash's inline scripts (``Dash.csp_hashes``), no framing
  (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: same-origin``, and ``Strict-Transport-Security`` when served
  over HTTPS.
"""

from __future__ import annotations

import contextlib
import logging
import socket
from collections.abc import Iterable

import dash
import flask
from werkzeug.exceptions import BadRequest

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CALLBACK_PATH = "_dash-update-component"
HSTS = "max-age=31536000"
# What the pages need besides this server's own files and the inline-script hashes: Dash's
# renderer and core components apply inline styles (in headless Chromium, style-src 'self'
# alone gives some 30 violations on the Overview; styles cannot run code, scripts stay
# locked), plotly's "download as PNG" and some marks use data: and blob: images.
CSP_PARTS = (
    ("default-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
# errors of the machine, not of the request: they stay 500
SERVER_ERRORS = (OSError, MemoryError)


def host_name(host_header: str) -> str:
    """The name in a ``Host`` header, without port, brackets or trailing dot, lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        host = host[1:].partition("]")[0]
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    return host.rstrip(".")


def allowed_hosts(listen: str, login: bool, configured: Iterable[str] = ()) -> frozenset[str]:
    """The Host names a server listening on ``listen`` answers to: only the loopback names
    without a login; with one, ``configured`` or the listen address, the machine's name and
    addresses, and the loopback names."""
    if not login:
        return LOOPBACK_NAMES
    configured = {host_name(h) for h in configured}
    if configured:
        return frozenset(configured)
    names = {host_name(listen)} if listen not in ("0.0.0.0", "::", "") else set()
    machine = socket.gethostname()
    names |= {machine.lower(), socket.getfqdn().lower()}
    with contextlib.suppress(OSError):
        names |= set(socket.gethostbyname_ex(machine)[2])
    return frozenset(names | LOOPBACK_NAMES)


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The CSP header: this server's own scripts and the given inline-script hashes."""
    parts = [("script-src", " ".join(["'self'", *script_hashes])), *CSP_PARTS]
    return "; ".join(f"{name} {value}" for name, value in parts)


def install(app: dash.Dash, hosts: frozenset[str], max_request_bytes: int, tls: bool) -> None:
    """Put the host check, size limit, callback check and headers in front of ``app``."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = max_request_bytes
    callback_path = app.config.requests_pathname_prefix + CALLBACK_PATH
    policy: dict[str, str] = {}

    def check_request() -> flask.Response | None:
        request = flask.request
        if host_name(request.host) not in hosts:
            log.warning("refused Host %r from %s", request.host, request.remote_addr)
            return flask.Response(f"this server does not answer to the name "
                                  f"{host_name(request.host)!r}\n", status=400,
                                  mimetype="text/plain")
        if request.content_length and request.content_length > max_request_bytes:
            return flask.Response(f"request too large: at most {max_request_bytes // 1024} KB\n",
                                  status=413, mimetype="text/plain")
        if request.method == "POST" and request.path == callback_path:
            problem = callback_request_problem(request.get_json(silent=True), app)
            if problem:
                return flask.Response(f"not a callback request: {problem}\n", status=400,
                                      mimetype="text/plain")
        return None

    def add_headers(response: flask.Response) -> flask.Response:
        if "csp" not in policy:
            csp = content_security_policy(app.csp_hashes())
            if app._got_first_request.get("setup_server"):  # every inline script known now
                policy["csp"] = csp
        headers = response.headers
        headers["Content-Security-Policy"] = policy.get("csp") or csp
        headers["X-Frame-Options"] = "DENY"
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if tls:
            headers["Strict-Transport-Security"] = HSTS
        return response

    server.before_request(check_request)
    server.after_request(add_headers)


def callback_request_problem(body: object, app: dash.Dash) -> str | None:
    """What makes ``body`` something the Dash front end would not send (None: nothing): the
    output of a callback the server runs, and every output, input and state with the id and
    property the callback declares (a list of them for an ``ALL`` pattern)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    spec = app.callback_map.get(output) if isinstance(output, str) else None
    if spec is None or "callback" not in spec:
        return "unknown output"
    declared = spec["output"] if isinstance(spec["output"], list) else [spec["output"]]
    outputs = body.get("outputs")
    outputs = outputs if isinstance(spec["output"], list) else [outputs]
    if not isinstance(outputs, list) or len(outputs) != len(declared):
        return f"'outputs' must name the callback's {len(declared)} output(s)"
    for given, out in zip(outputs, declared, strict=True):
        if not _declared(given, out.component_id_str(), out.component_property):
            return f"output {out} is not what the callback declares"
    for part in ("inputs", "state"):
        given_all, specs = body.get(part, []), spec.get(part, [])
        if not isinstance(given_all, list) or len(given_all) != len(specs):
            return f"'{part}' must be a list of {len(specs)}"
        for given, item in zip(given_all, specs, strict=True):
            if not _declared(given, item["id"], item["property"]):
                return f"{part} {item['id']}.{item['property']} is not what the callback declares"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    return None


def _declared(given: object, component_id: str, prop: str) -> bool:
    """Is ``given`` an ``{id, property, …}`` entry for the declared id and property (a list of
    entries with dict ids for a pattern with ALL or ALLSMALLER, one for MATCH)?"""
    if not component_id.startswith("{"):
        return (isinstance(given, dict) and given.get("id") == component_id
                and given.get("property") == prop)
    entries = given if isinstance(given, list) else [given]
    if isinstance(given, list) != ('["ALL"]' in component_id
                                   or '["ALLSMALLER"]' in component_id):
        return False
    return all(isinstance(e, dict) and isinstance(e.get("id"), dict)
               and e.get("property") == prop for e in entries)


def callback_error(error: Exception) -> None:
    """Dash's ``on_error``: a callback that fails on the values of a well-formed request (a
    number where a list of regions is expected, an id of the wrong type that the query
    cannot cast) answers 400, with its traceback logged at ERROR, as it may be a bug all the
    same; an error of the machine (disk, memory) goes on to Flask (500, logged)."""
    if isinstance(error, SERVER_ERRORS):
        raise error
    log.error("callback failed on the values it was sent (answered 400); if the page itself "
              "sent them, this is a bug", exc_info=error)
    raise BadRequest("a value of this callback request has the wrong type or shape") from error
