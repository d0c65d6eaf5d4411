"""A bounded load test of the served dashboard, on loopback: concurrent users who log in, open
pages and fire the filter callbacks, for a fixed time; latencies and errors counted.

``cxbridge bench --serve`` (or ``python -m cxbridge.lab.serve_load``) serves the current
snapshot of the settings in a child process (``python -m cxbridge.dashboards``, waitress, the
way ``cxbridge serve`` does) behind a login, with a users file, session key and audit log of
its own in a scratch folder (the data home's users are not touched), then runs ``users``
threads for ``seconds`` seconds. Each user logs in through the form (``/login``, as a browser
does: anti-forgery token, session cookie), then loops: the page (``/``), the layout and the
callback list, then every interaction of :func:`cxbridge.lab.dashboard_bench.interactions`
(page layouts, the filter callbacks of every page, the downloads) with the filters of the
round. An error is any answer other than 200 (or 204, Dash's "nothing to update"), or a
request that failed. After the load, five callback requests of 64 MB each are posted: the
server should answer 413 without reading them, and its memory should not grow.

The login rate limit is raised for the run (all users come from 127.0.0.1, which the
production limit would rightly stop). Reported: requests, errors, requests per second, p50 /
p95 / max milliseconds overall and per kind of request, and the server's resident memory
before and after. It is a measurement, not a test: it needs a published snapshot
(``cxbridge run``) and takes ``seconds`` plus the start of the server.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil
import requests
import urllib3

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.auth import add_user
from cxbridge.dashboards.context import current_reader
from cxbridge.lab.dashboard_bench import (
    _filter_variants,
    _possible,
    _subjects,
    callback_payload,
    interactions,
    page_callback,
)
from cxbridge.platform.settings import Settings, load_settings

PASSWORD = "load-test-passphrase"  # a throwaway user in a scratch users file
ROLES = ("executive", "marketing", "operations", "care")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # loopback, test certificate
OVERSIZED_REQUESTS, OVERSIZED_MB = 5, 64  # after the load: requests far over the size limit


class LoadError(RuntimeError):
    """The server did not start, or no snapshot to serve."""


def run_serve_load(settings: Settings, users: int = 20, seconds: float = 60.0,
                   tls: tuple[Path, Path] | None = None) -> dict:
    """Serve the snapshot of ``settings`` and load it with ``users`` users for ``seconds``;
    over HTTPS with ``tls`` (certificate and key files; the certificate is not verified)."""
    plan = _plan(settings)
    with tempfile.TemporaryDirectory(prefix="cxbridge-serve-load-") as scratch:
        folder = Path(scratch)
        users_file = folder / "users.json"
        for role in ROLES:
            add_user(users_file, f"load-{role}", PASSWORD, role)
        port = _free_port()
        env = {**os.environ, "CXBRIDGE_HOME": str(settings.home),
               "CXBRIDGE_DASHBOARD_USERS_FILE": str(users_file),
               "CXBRIDGE_DASHBOARD_SECRET_KEY_FILE": str(folder / "secret_key"),
               "CXBRIDGE_DASHBOARD_AUDIT_FILE": str(folder / "audit.jsonl"),
               "CXBRIDGE_DASHBOARD_LOGIN_RATE_LIMIT": "100000 per minute"}
        env.pop("CXBRIDGE_DASHBOARD_USERS", None)
        https = ["--certfile", str(tls[0]), "--keyfile", str(tls[1])] if tls else []
        server = subprocess.Popen(
            [sys.executable, "-m", "cxbridge.dashboards", "--host", "127.0.0.1",
             "--port", str(port), *https], env=env, stdout=subprocess.DEVNULL,
            stderr=open(folder / "server.log", "w"))  # noqa: SIM115 (closed with the folder)
        base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
        try:
            _wait_until_up(base, server, folder / "server.log")
            process = psutil.Process(server.pid)
            rss_before = process.memory_info().rss
            timings, failures = _load(base, plan, users, seconds)
            rss_after = process.memory_info().rss
            oversized = _oversized(base, OVERSIZED_REQUESTS)
            rss_oversized = process.memory_info().rss
            audit_lines = sum(1 for _ in (folder / "audit.jsonl").open())
        finally:
            server.terminate()
            server.wait(timeout=30)
    every = [ms for kind, values in timings.items() if kind != "log in" for ms in values]
    logins = len(timings.get("log in", []))
    return {
        "users": users, "seconds": seconds, "https": bool(tls),
        "requests": len(every) + logins + len(failures),
        "errors": len(failures), "error_examples": failures[:10],
        "requests_per_second": round((len(every) + logins + len(failures)) / seconds, 1),
        "overall": _summary(every),  # every request but the log-ins (one per user, argon2)
        "by_kind": {kind: _summary(values) for kind, values in sorted(timings.items())},
        "server_rss_mb": {"before": round(rss_before / 2**20), "after": round(rss_after / 2**20),
                          "after_oversized": round(rss_oversized / 2**20)},
        "oversized": oversized,
        "audit_lines": audit_lines,
    }


def _plan(settings: Settings) -> list[tuple[str, str, Any]]:
    """What one round of a user sends: (kind, method and path, JSON body), per filter set."""
    app = create_app(settings, users={})
    client = app.server.test_client()
    if client.get("/").status_code != 200:  # also hands the pages' callbacks to the app
        raise LoadError("the dashboard did not serve its page")
    with app.server.app_context():
        reader = current_reader()
        try:
            choices = reader.filter_options()
        except Exception as exc:
            raise LoadError(f"no snapshot to serve under {settings.home}: run `cxbridge run` "
                            f"first ({exc})") from None
        subjects = _subjects(reader, choices.default)
        variants = _filter_variants(choices)
    plan: list[tuple[str, str, Any]] = []
    for filters in variants:
        for interaction in _possible(interactions(filters, subjects), subjects)[0]:
            for output in interaction.callbacks:
                plan.append(_request(app, interaction.name, output, interaction.values))
    return plan


def _request(app, name: str, output: str, values: Mapping[str, Any]) -> tuple[str, str, Any]:
    if output.startswith("GET "):
        return name, output, None
    output, values = page_callback(output, values)
    return name, "POST /_dash-update-component", callback_payload(app, output, values)


def _load(base: str, plan: list[tuple[str, str, Any]], users: int, seconds: float
          ) -> tuple[dict[str, list[float]], list[str]]:
    timings: dict[str, list[float]] = {}
    failures: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def note(kind: str, ms: float | None, problem: str | None = None) -> None:
        with lock:
            if problem is None:
                timings.setdefault(kind, []).append(ms)
            else:
                failures.append(f"{kind}: {problem}")

    def user(number: int) -> None:
        session = _session()
        role = ROLES[number % len(ROLES)]
        if not _log_in(session, base, f"load-{role}", note):
            return
        step = number * 7  # users start at different points of the round
        while time.monotonic() < deadline:
            for kind, target, body in (("page /", "GET /", None),
                                       ("layout", "GET /_dash-layout", None),
                                       ("dependencies", "GET /_dash-dependencies", None)):
                _send(session, base, kind, target, body, note)
            for _ in range(len(plan) // 4):
                if time.monotonic() >= deadline:
                    break
                kind, target, body = plan[step % len(plan)]
                step += 1
                _send(session, base, kind, target, body, note)

    threads = [threading.Thread(target=user, args=(n,)) for n in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings, failures


def _log_in(session: requests.Session, base: str, name: str, note) -> bool:
    started = time.perf_counter()
    try:
        form = session.get(f"{base}/login", timeout=60)
        token = CSRF.search(form.text)
        answer = session.post(f"{base}/login", data={
            "username": name, "password": PASSWORD, "csrf": token.group(1) if token else "",
            "next": "/"}, allow_redirects=False, timeout=60)
    except requests.RequestException as exc:
        note("log in", None, repr(exc))
        return False
    if answer.status_code != 302 or "cxbridge_session" not in session.cookies:
        note("log in", None, f"answered {answer.status_code}")
        return False
    note("log in", (time.perf_counter() - started) * 1000)
    return True


def _send(session: requests.Session, base: str, kind: str, target: str, body: Any,
          note) -> None:
    method, _, path = target.partition(" ")
    started = time.perf_counter()
    try:
        if method == "GET":
            response = session.get(base + path, timeout=120)
        else:
            response = session.post(base + path, json=body, timeout=120)
        content = response.content  # the whole answer, downloads included
    except requests.RequestException as exc:
        note(kind, None, repr(exc))
        return
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code not in (200, 204):
        note(kind, None, f"{target[:80]} answered {response.status_code}: {content[:200]!r}")
    else:
        note(kind, elapsed)


def _oversized(base: str, count: int) -> dict:
    """Post ``count`` callback requests of :data:`OVERSIZED_MB` MB (logged in, as the worst
    case): how the server answered each (413 expected, before it reads the body)."""
    session = _session()
    _log_in(session, base, "load-care", lambda *args: None)
    body = b"x" * (OVERSIZED_MB * 2**20)
    answers: dict[str, int] = {}
    for _ in range(count):
        try:
            status = str(session.post(f"{base}/_dash-update-component", data=body, timeout=120,
                                      headers={"Content-Type": "application/json"}).status_code)
        except requests.ConnectionError:
            status = "connection closed by the server"
        answers[status] = answers.get(status, 0) + 1
    return {"requests": count, "megabytes_each": OVERSIZED_MB, "answers": answers}


def _wait_until_up(base: str, server: subprocess.Popen, log: Path, timeout: float = 120.0
                   ) -> None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if server.poll() is not None:
            raise LoadError(f"the server stopped (exit {server.returncode}): "
                            f"{log.read_text()[-2000:]}")
        try:
            if _session().get(f"{base}/login", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)  # polling a child process's start: no event to wait on
    raise LoadError(f"the server did not answer within {timeout:.0f} s")


def _session() -> requests.Session:
    """A browser-like session; a self-signed test certificate is accepted (loopback only)."""
    session = requests.Session()
    session.verify = False
    session.trust_env = False  # no proxy, no CA bundle from the environment: loopback only
    return session


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1),
            "max_ms": round(ordered[-1], 1), "n": len(ordered)}


def main(argv: list[str] | None = None) -> int:
    """``python -m cxbridge.lab.serve_load [--users N] [--seconds S]``: print the JSON report."""
    parser = argparse.ArgumentParser(prog="python -m cxbridge.lab.serve_load",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--certfile", type=Path, help="serve HTTPS (with --keyfile)")
    parser.add_argument("--keyfile", type=Path)
    args = parser.parse_args(argv)
    tls = (args.certfile, args.keyfile) if args.certfile and args.keyfile else None
    report = run_serve_load(load_settings(), users=args.users, seconds=args.seconds, tls=tls)
    print(json.dumps(report, indent=2))
    return 0 if report["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
