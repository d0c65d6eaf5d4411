"""Notifications from live mode: a new incident above a configured impact → a webhook and/or
an e-mail.

After each batch's refresh, the incidents that entered the queue (not in it before the batch),
whose priority score is at least ``[live] notify_min_score``, and that were never notified
(``live.notified``, in the warehouse, so a restarted consumer does not notify again) are
POSTed as JSON to ``[live] webhook`` and/or mailed through the SMTP server of ``[live]
smtp_host`` (``smtp_port``, ``smtp_starttls``, from ``smtp_from`` to every ``smtp_to``; a
login with ``smtp_user`` and the password in the environment variable ``smtp_password_env``
names), each with a link to its page on the dashboard (``[live] dashboard_url`` +
``/incident/<id>``).

Each channel sends from a thread of its own (:class:`WebhookNotifier`,
:class:`EmailNotifier`), so a slow or dead receiver never holds up the consumer: an incident
is recorded as notified when its notice is queued, and a send that fails is logged (at most
once: a notification is a nudge, the queue is the record).
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from queue import Queue
from urllib.parse import quote

from cxbridge.platform import runs, warehouse
from cxbridge.platform.errors import UserError

LOG = logging.getLogger(__name__)

DEFAULT_DASHBOARD_URL = "http://127.0.0.1:8050"
POST_TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Notice:
    """One new incident, as the webhook receives it."""

    incident_id: str
    title: str
    priority_score: float
    affected_customers: int
    worst_severity: str | None
    root_resource_id: str | None
    started_at: datetime | None
    status: str | None
    link: str

    def payload(self) -> dict:
        return {"eventType": "IncidentCreated", "incident": {
            "id": self.incident_id, "title": self.title,
            "priorityScore": self.priority_score,
            "affectedCustomers": self.affected_customers,
            "worstSeverity": self.worst_severity, "rootResourceId": self.root_resource_id,
            "startedAt": self.started_at.isoformat() + "Z" if self.started_at else None,
            "status": self.status}, "link": self.link}


def queue_ids(con) -> list[str]:
    """The incidents in the queue now (before a batch's refresh)."""
    return [r[0] for r in warehouse.rows(con, "select incident_id from incidents.queue")]


def new_incidents(con, before: list[str], min_score: float, dashboard_url: str
                  ) -> list[Notice]:
    """The incidents to notify after a refresh (see the module), recorded as notified."""
    found = warehouse.rows(con, warehouse.read_sql("live/new_incidents.sql"),
                           {"before": before, "min_score": min_score})
    if not found:
        return []
    now = runs.now()
    con.executemany("insert into live.notified values (?, ?)",
                    [(row[0], now) for row in found])
    base = dashboard_url.rstrip("/")
    return [Notice(i, t or "", float(s or 0), int(c or 0), sev, root, at, status,
                   f"{base}/incident/{quote(i, safe='')}")
            for i, t, s, c, sev, root, at, status in found]


class _ThreadNotifier:
    """Sends notices from a thread of its own, in order; counts what was sent and what failed
    (a failure is logged, not retried)."""

    name = "notifier"

    def __init__(self) -> None:
        self._queue: Queue[Notice | None] = Queue()
        self.sent = 0
        self.failed = 0
        self._thread = threading.Thread(target=self._work, name=f"live-{self.name}",
                                        daemon=True)
        self._thread.start()

    def notify(self, notices: list[Notice]) -> None:
        for notice in notices:
            self._queue.put(notice)

    def _send(self, notice: Notice) -> None:
        raise NotImplementedError

    def _work(self) -> None:
        while (notice := self._queue.get()) is not None:
            try:
                self._send(notice)
                self.sent += 1
            except (urllib.error.URLError, smtplib.SMTPException, OSError) as exc:
                self.failed += 1
                LOG.warning("%s: could not notify incident %s: %s", self.describe(),
                            notice.incident_id, exc)
            finally:
                self._queue.task_done()

    def describe(self) -> str:
        return self.name

    def close(self, wait: float = 10.0) -> None:
        """Send what is queued (``wait`` seconds at most), then stop."""
        self._queue.put(None)
        self._thread.join(wait)


class WebhookNotifier(_ThreadNotifier):
    """POSTs notices to ``url`` from a thread of its own, in order."""

    name = "webhook"

    def __init__(self, url: str, timeout: float = POST_TIMEOUT_SECONDS) -> None:
        self.url, self.timeout = url, timeout
        super().__init__()

    def describe(self) -> str:
        return f"webhook {self.url}"

    def _send(self, notice: Notice) -> None:
        request = urllib.request.Request(
            self.url, json.dumps(notice.payload()).encode(),
            {"Content-Type": "application/json", "User-Agent": "cxbridge-live"})
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()


class SmtpSettingError(UserError, ValueError):
    """An SMTP setting that cannot be used; the message says which and what to do."""


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send the e-mail notices (``[live] smtp_*``; the password read from the
    environment variable ``smtp_password_env`` names)."""

    host: str
    port: int = 25
    sender: str = ""
    to: tuple[str, ...] = ()
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = POST_TIMEOUT_SECONDS

    @classmethod
    def from_settings(cls, live: Mapping[str, object],
                      env: Mapping[str, str] | None = None) -> SmtpConfig | None:
        """The ``[live]`` section's SMTP server (checked when the settings were read), None
        when it names none. A password variable named but not set is an error."""
        if not live.get("smtp_host"):
            return None
        env = os.environ if env is None else env
        variable = live.get("smtp_password_env")
        password = None
        if variable:
            password = env.get(str(variable))
            if not password:
                raise SmtpSettingError(
                    f"[live] smtp_password_env names {variable}, which is not set: export "
                    f"{variable}=<the SMTP password> before starting cxbridge live (or remove "
                    "smtp_password_env for a server without login)")
        user = live.get("smtp_user")
        if password and not user:
            raise SmtpSettingError("[live] smtp_password_env is set but smtp_user is not: "
                                   "name the SMTP login in smtp_user")
        to = live.get("smtp_to") or ()
        return cls(str(live["smtp_host"]), int(live.get("smtp_port", 25)),
                   str(live.get("smtp_from", "")),
                   tuple([to] if isinstance(to, str) else to),
                   bool(live.get("smtp_starttls", False)), str(user) if user else None,
                   password)

    def describe(self) -> str:
        return f"SMTP server {self.host}:{self.port}"


def email_message(notice: Notice, config: SmtpConfig) -> EmailMessage:
    """The e-mail for one new incident: what, how bad, since when, and its link."""
    message = EmailMessage()
    title = notice.title or notice.incident_id
    message["Subject"] = (f"[cxbridge] new incident {notice.incident_id}: {title} "
                          f"({notice.affected_customers:,} customers)")
    message["From"] = config.sender
    message["To"] = ", ".join(config.to)
    started = notice.started_at.strftime("%Y-%m-%d %H:%M UTC") if notice.started_at else "?"
    message.set_content("\n".join([
        f"A new incident entered the queue: {title}",
        "",
        f"Incident:            {notice.incident_id}",
        f"Priority score:      {notice.priority_score:,.1f}",
        f"Affected customers:  {notice.affected_customers:,}",
        f"Worst severity:      {notice.worst_severity or '-'}",
        f"Root resource:       {notice.root_resource_id or '-'}",
        f"Started:             {started}",
        f"Status:              {notice.status or '-'}",
        "",
        f"Open it: {notice.link}",
    ]) + "\n")
    return message


def _smtp(config: SmtpConfig) -> smtplib.SMTP:
    """A connection to the server, STARTTLS and login done as configured."""
    server = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    try:
        server.ehlo()
        if config.starttls:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if config.user and config.password:
            server.login(config.user, config.password)
    except BaseException:
        server.close()
        raise
    return server


def check_smtp(config: SmtpConfig) -> None:
    """Connect to the server once (STARTTLS and login as configured) and say clearly why that
    fails: before live mode starts, not at its first incident."""
    try:
        server = _smtp(config)
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpSettingError(
            f"{config.describe()} refused the login of {config.user!r} ({exc.smtp_code}): "
            "check [live] smtp_user and the password in the variable smtp_password_env "
            "names") from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise SmtpSettingError(
            f"{config.describe()} does not offer {'STARTTLS' if config.starttls else 'login'}"
            f" ({exc}): set [live] smtp_starttls = false, or use the server's submission "
            "port (587)") from exc
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise SmtpSettingError(
            f"cannot reach the {config.describe()} ({exc}): check [live] smtp_host and "
            "smtp_port (and that the server is up)") from exc
    with server:
        server.noop()


class EmailNotifier(_ThreadNotifier):
    """Mails each notice to ``config.to`` from a thread of its own, in order (one SMTP
    connection per notice: new incidents are rare, and no idle connection is left to time
    out)."""

    name = "e-mail"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config
        super().__init__()

    def describe(self) -> str:
        return f"e-mail through {self.config.describe()}"

    def _send(self, notice: Notice) -> None:
        with _smtp(self.config) as server:
            server.send_message(email_message(notice, self.config))


class Notifiers:
    """Several channels as one: each notice goes to every one of them."""

    def __init__(self, channels: Sequence[_ThreadNotifier]) -> None:
        self.channels = tuple(channels)

    def notify(self, notices: list[Notice]) -> None:
        for channel in self.channels:
            channel.notify(notices)

    def close(self, wait: float = 10.0) -> None:
        for channel in self.channels:
            channel.close(wait)
