"""E-mail notification from live mode, against a real SMTP server (aiosmtpd on 127.0.0.1) that
receives the mail: a new incident above the threshold mailed once with its link, the login's
password from the environment, and a clear error for each bad SMTP setting."""

from __future__ import annotations

import json
from email import message_from_bytes
from email.policy import default
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from cxbridge.jobs import live, live_notify
from cxbridge.jobs.live_notify import EmailNotifier, SmtpConfig, SmtpSettingError, check_smtp
from cxbridge.platform import warehouse
from cxbridge.platform.alarm_stream import FileDropSource
from cxbridge.platform.settings import SettingsError, load_settings
from tests.dashboards.browser import free_port
from tests.pipelines import test_live_stream as stream
from tests.pipelines.test_live_stream import alarm_event

# the tiny world's warehouse, built once per module and copied per test (its fixtures)
built, home, settings_live = stream.built, stream.home, stream.settings_live

USER, PASSWORD = "noc-bot", "s3cret"


class Inbox:
    """An aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content,
                                                                     policy=default)))
        return "250 OK"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
          and auth_data.password.decode() == PASSWORD)
    return AuthResult(success=ok, handled=False)  # not handled: the server answers 535


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    yield controller, inbox
    controller.stop()


def _config(controller, **changes) -> SmtpConfig:
    live_section = {"smtp_host": "127.0.0.1", "smtp_port": controller.port,
                    "smtp_from": "cxbridge@noc.example", "smtp_to": ["noc@noc.example",
                                                                     "duty@noc.example"],
                    "smtp_user": USER, "smtp_password_env": "CXB_TEST_SMTP_PASSWORD"}
    return SmtpConfig.from_settings(live_section | changes,
                                    {"CXB_TEST_SMTP_PASSWORD": PASSWORD})


def _consume(settings, drop, options) -> None:
    source = FileDropSource(drop)
    for batch in iter(lambda: source.next_batch(10, 0.1), None):
        live.consume_one(settings, source, batch, options)


def test_a_new_incident_is_mailed_once_with_its_link(settings_live, smtp_server, tmp_path):
    controller, inbox = smtp_server
    config = _config(controller)
    check_smtp(config)  # the login with the password from the environment is accepted
    notifier = EmailNotifier(config)
    options = live.LiveOptions(batch_size=10, notifier=notifier,
                               dashboard_url="https://noc.example/")
    drop = tmp_path / "drop"
    drop.mkdir()
    with warehouse.connect(settings_live, read_only=True) as con:
        before = set(live_notify.queue_ids(con))
    outage = alarm_event(1, resource="OLT-1", cause="equipmentMalfunction")
    (drop / "a.jsonl").write_bytes(json.dumps(outage).encode() + b"\n")
    try:
        _consume(settings_live, drop, options)
        (drop / "b.jsonl").write_bytes(json.dumps(alarm_event(
            2, resource="OLT-1", cause="equipmentMalfunction", minute=1)).encode() + b"\n")
        _consume(settings_live, drop, options)  # the same incident again: not mailed again
    finally:
        notifier.close()  # sends what is queued
    with warehouse.connect(settings_live, read_only=True) as con:
        new = set(live_notify.queue_ids(con)) - before
    assert new and notifier.failed == 0 and notifier.sent == len(new)
    assert len(inbox.messages) == len(new)
    mailed = set()
    for recipients, message in inbox.messages:
        assert recipients == ["noc@noc.example", "duty@noc.example"]
        assert message["From"] == "cxbridge@noc.example"
        incident = next(i for i in new if i in message["Subject"])
        mailed.add(incident)
        assert (f"https://noc.example/incident/{quote(incident, safe='')}"
                in message.get_content())
    assert mailed == new


def test_a_bad_smtp_server_setting_is_a_clear_error(smtp_server):
    controller, _ = smtp_server
    with pytest.raises(SmtpSettingError, match="refused the login of 'noc-bot'"):
        check_smtp(SmtpConfig.from_settings(
            {"smtp_host": "127.0.0.1", "smtp_port": controller.port, "smtp_from": "a@b",
             "smtp_to": ["c@d"], "smtp_user": USER, "smtp_password_env": "PW"},
            {"PW": "wrong"}))
    with pytest.raises(SmtpSettingError, match="does not offer STARTTLS"):
        check_smtp(_config(controller, smtp_starttls=True))
    with pytest.raises(SmtpSettingError, match="cannot reach the SMTP server 127.0.0.1:"):
        check_smtp(_config(controller, smtp_port=free_port()))
    with pytest.raises(SmtpSettingError, match="CXB_UNSET_PASSWORD, which is not set"):
        SmtpConfig.from_settings({"smtp_host": "h", "smtp_from": "a@b", "smtp_to": ["c@d"],
                                  "smtp_user": "u", "smtp_password_env": "CXB_UNSET_PASSWORD"},
                                 {})
    assert SmtpConfig.from_settings({"webhook": "http://h/x"}) is None


@pytest.mark.parametrize(("text", "says"), [
    ('smtp_host = "h"\nsmtp_from = "a@b"\nsmtp_to = ["c@d"]\nsmtp_password = "x"\n',
     "a password never goes in the config file"),
    ('smtp_host = "h"\nsmtp_from = "a@b"\n', "smtp_to missing"),
    ('smtp_host = "h"\nsmtp_from = "a@b"\nsmtp_to = ["nobody"]\n',
     "smtp_to is ['nobody']: expected a list of e-mail addresses"),
    ('smtp_host = "h"\nsmtp_from = "a@b"\nsmtp_to = ["c@d"]\nsmtp_port = 70000\n',
     "smtp_port is 70000"),
    ('smtp_host = "h"\nsmtp_from = "a@b"\nsmtp_to = ["c@d"]\nsmtp_starttls = "yes"\n',
     "smtp_starttls is 'yes'"),
    ('smtp_host = "h"\nsmtp_from = "a@b"\nsmtp_to = ["c@d"]\nsmtp_password_env = "1 x"\n',
     "smtp_password_env is '1 x'"),
])
def test_a_bad_smtp_setting_in_the_config_file_says_why(tmp_path, text, says):
    config = tmp_path / "cxbridge.toml"
    config.write_text("[live]\n" + text, encoding="utf-8")
    with pytest.raises(SettingsError, match=says.replace("[", r"\[").replace("]", r"\]")):
        load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"), "CXBRIDGE_CONFIG": str(config)})


def test_the_smtp_settings_are_read_with_their_defaults(tmp_path):
    config = tmp_path / "cxbridge.toml"
    config.write_text('[live]\nsmtp_host = "mail.example"\nsmtp_from = "cx@example"\n'
                      'smtp_to = "noc@example"\n', encoding="utf-8")
    settings = load_settings({"CXBRIDGE_HOME": str(tmp_path / "home"),
                              "CXBRIDGE_CONFIG": str(config)})
    smtp = SmtpConfig.from_settings(settings.live)
    assert (smtp.host, smtp.port, smtp.to, smtp.starttls, smtp.user, smtp.password) == (
        "mail.example", 25, ("noc@example",), False, None, None)
