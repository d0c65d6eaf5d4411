"""Every path and tunable the project uses, derived in one place.

Precedence, strongest first:

1. environment variables (``CXBRIDGE_HOME`` moves the whole data directory; the
   ``CXBRIDGE_*_DIR`` variables move one part of it),
2. a TOML config file (``CXBRIDGE_CONFIG``, else ``cxbridge.toml`` at the project root;
   ``CXBRIDGE_CONFIG=""`` means none),
   with a ``[paths]`` table using the same names in lower case without the prefix
   (``home = "/srv/cxbridge"``, ``raw_dir = "/mnt/feeds"``),
3. defaults derived from the project root (``<root>/data``).

Nothing is read at import time: call :func:`load_settings`.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from cxbridge.platform.dashboard_settings import DashboardSettings, dashboard_settings
from cxbridge.platform.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parents[2]

_DIR_KEYS = ("raw_dir", "warehouse_dir", "models_dir", "exports_dir", "mappings_dir")


class SettingsError(UserError, ValueError):
    """A config file or variable that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    home: Path
    raw_dir: Path
    warehouse_dir: Path
    models_dir: Path
    exports_dir: Path
    shared_dir: Path
    # the user's declared mappings (PM dialects, alarm CSV feeds): see
    # pipelines/platform/ingest/mappings
    mappings_dir: Path | None = None
    duckdb_threads: int = field(default=2)
    duckdb_memory_limit: str = field(default="8GB")
    # overrides of the incident models' tunables (models/incidents/params.py), from the
    # [incidents] table of the config file: e.g. silent_z = 5.0 fixes a derived threshold
    incidents: Mapping[str, object] = field(default_factory=dict)
    # the plausible time window of ingested events, from the [ingest] table of the config
    # file: an event time before ``ingest_earliest`` or after now + ``ingest_future_days``
    # is quarantined (pipelines/platform/ingest/base.py, TimeWindow)
    ingest_earliest: date = date(2000, 1, 1)
    ingest_future_days: float = 31.0
    # the share of the rows a file's loaded version holds that a re-delivery of it may remove
    # before it is held for confirmation ([ingest] max_shrink; pipelines/platform/ingest/loader)
    ingest_max_shrink: float = 0.2
    # the engine the transform stage runs on ([engine] name: "duckdb", or "spark" for
    # pipelines/platform/spark_engine.py) and where Spark runs ([engine] spark: "local[*]", a
    # cluster master such as spark://host:7077, or a Spark Connect URL sc://host:15002)
    engine: str = "duckdb"
    spark_master: str = "local[*]"
    # the dashboard's users file, session secret, audit log and serving limits, from the
    # [dashboard] table (pipelines/platform/dashboard_settings.py); None only when built by hand
    dashboard: DashboardSettings | None = None
    # the live alarm consumer's defaults ([live]: source, url, subject, stream, durable,
    # topic, group, listen, batch, webhook, notify_min_score, dashboard_url, and the e-mail
    # notices' smtp_host, smtp_port, smtp_from, smtp_to, smtp_starttls, smtp_user,
    # smtp_password_env; pipelines/jobs/live.py, live_notify.py), as the config file gives them
    live: Mapping[str, object] = field(default_factory=dict)
    # what-if projections' defaults ([whatif]: campaign_take_up, campaign_uplift,
    # campaign_extra_high and per-offer [whatif.offers.NAME] take_up, uplift, services,
    # extra_high), checked by models/whatif/campaign.py
    whatif: Mapping[str, object] = field(default_factory=dict)
    # the share of an incident's proactive-care list held out as its control group ([outcomes]
    # care_control_rate, 0 to 0.5; 0: none): dashboards/exports.py, pipelines/platform/action_log
    care_control_rate: float = 0.1

    @property
    def action_log_file(self) -> Path:
        """The recorded-actions store (pipelines/platform/action_log.py), beside the incident
        workflow store: ``<home>/ops/actions.sqlite`` unless ``[dashboard] workflow_file``
        moves that."""
        ops = self.dashboard.workflow_file.parent if self.dashboard else self.home / "ops"
        return ops / "actions.sqlite"

    @property
    def warehouse_path(self) -> Path:
        """The read-write DuckDB file the pipeline builds."""
        return self.warehouse_dir / "cxbridge.duckdb"

    @property
    def snapshots_dir(self) -> Path:
        """Published read-only snapshots, and the ``CURRENT`` pointer readers follow."""
        return self.warehouse_dir / "snapshots"

    @property
    def real_data_dir(self) -> Path:
        return self.shared_dir / "data" / "real"

    def ensure_dirs(self) -> None:
        for path in (self.raw_dir, self.warehouse_dir, self.snapshots_dir,
                     self.models_dir, self.exports_dir):
            path.mkdir(parents=True, exist_ok=True)


def _read_config(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            config = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise SettingsError(f"config file {path} is not valid TOML: {exc}") from exc
    paths = config.get("paths", {})
    if not isinstance(paths, dict):
        raise SettingsError(f"config file {path}: [paths] must be a table")
    unknown = set(paths) - {"home", "shared_dir", *_DIR_KEYS}
    if unknown:
        raise SettingsError(
            f"config file {path}: unknown key(s) in [paths]: {', '.join(sorted(unknown))}; "
            f"allowed: home, shared_dir, {', '.join(_DIR_KEYS)}"
        )
    incidents = config.get("incidents", {})
    if not isinstance(incidents, dict) or any(
            isinstance(v, dict | list) for v in incidents.values()):
        raise SettingsError(f"config file {path}: [incidents] must be a table of numbers, "
                            "strings or booleans (the names in models/incidents/params.py)")
    _ingest_window(path, config.get("ingest", {}))
    return config


def _ingest_window(path: Path, table: object) -> tuple[date, float]:
    """The [ingest] table's plausible time window: ``earliest`` (a date) and ``future_days``
    (days after now, ≥ 0), each defaulting to the Settings defaults."""
    if not isinstance(table, dict) or set(table) - {"earliest", "future_days", "max_shrink"}:
        raise SettingsError(f"config file {path}: [ingest] takes earliest = YYYY-MM-DD, "
                            "future_days = a number of days (e.g. 1) and max_shrink = a share "
                            "(e.g. 0.2)")
    earliest = table.get("earliest", Settings.ingest_earliest)
    try:
        earliest = earliest if isinstance(earliest, date) else date.fromisoformat(str(earliest))
    except ValueError:
        raise SettingsError(f"config file {path}: [ingest] earliest is {earliest!r}: "
                            "expected a date, YYYY-MM-DD") from None
    days = table.get("future_days", Settings.ingest_future_days)
    if isinstance(days, bool) or not isinstance(days, int | float) or not 0 <= days <= 36600:
        raise SettingsError(f"config file {path}: [ingest] future_days is {days!r}: expected "
                            "a number of days from 0 to 36600")
    return earliest, float(days)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Resolve the settings from the environment, the config file and the defaults."""
    env = os.environ if env is None else env
    named = env.get("CXBRIDGE_CONFIG")
    config_path = Path(named) if named else PROJECT_ROOT / "cxbridge.toml"
    if named and not config_path.is_file():
        raise SettingsError(f"CXBRIDGE_CONFIG points at {config_path}, which is not a file")
    # CXBRIDGE_CONFIG set but empty: use no config file at all
    use_file = named != "" and config_path.is_file()
    config = _read_config(config_path) if use_file else {}
    paths = config.get("paths", {})
    duckdb_conf = config.get("duckdb", {})
    earliest, future_days = _ingest_window(config_path, config.get("ingest", {}))

    def pick(key: str, default: Path) -> Path:
        value = env.get(f"CXBRIDGE_{key.upper()}") or paths.get(key)
        return Path(value).expanduser().resolve() if value else default

    home = pick("home", PROJECT_ROOT / "data")
    return Settings(
        home=home,
        raw_dir=pick("raw_dir", home / "raw"),
        warehouse_dir=pick("warehouse_dir", home / "warehouse"),
        models_dir=pick("models_dir", home / "models"),
        exports_dir=pick("exports_dir", home / "exports"),
        shared_dir=pick("shared_dir", PROJECT_ROOT.parent / "shared"),
        mappings_dir=pick("mappings_dir", home / "mappings"),
        duckdb_threads=_whole_number("CXBRIDGE_DUCKDB_THREADS or [duckdb] threads",
                                     env.get("CXBRIDGE_DUCKDB_THREADS",
                                             duckdb_conf.get("threads", 2))),
        incidents=dict(config.get("incidents", {})),
        ingest_earliest=earliest,
        ingest_future_days=future_days,
        ingest_max_shrink=_share(f"config file {config_path}: [ingest] max_shrink", (
            config.get("ingest") if isinstance(config.get("ingest"), dict) else {}
        ).get("max_shrink", 0.2)),
        dashboard=dashboard_settings(config.get("dashboard", {}), env, home,
                                     f"config file {config_path}"),
        duckdb_memory_limit=str(
            env.get("CXBRIDGE_DUCKDB_MEMORY_LIMIT", duckdb_conf.get("memory_limit", "8GB"))
        ),
        **_engine(config_path, config.get("engine", {}), env),
        live=_live(config_path, config.get("live", {})),
        whatif=_whatif(config_path, config.get("whatif", {})),
        care_control_rate=_outcomes(config_path, config.get("outcomes", {})),
    )


OUTCOMES_KEYS = ("care_control_rate",)


def _outcomes(path: Path, table: object) -> float:
    """The [outcomes] table: ``care_control_rate``, the share of a care list held out as
    control, a number from 0 (none) to 0.5 (default 0.1)."""
    if not isinstance(table, dict) or set(table) - set(OUTCOMES_KEYS):
        raise SettingsError(f"config file {path}: [outcomes] takes "
                            f"{', '.join(OUTCOMES_KEYS)} (e.g. care_control_rate = 0.1)")
    rate = table.get("care_control_rate", Settings.care_control_rate)
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 <= rate <= 0.5:
        raise SettingsError(f"config file {path}: [outcomes] care_control_rate is {rate!r}: "
                            "expected a share from 0 to 0.5 (0.1 holds one customer in ten of "
                            "a care list out as its control group; 0 holds nobody out)")
    return float(rate)


def _whatif(path: Path, table: object) -> dict[str, object]:
    """The [whatif] table as the file gives it (its keys are checked where they are used,
    models/whatif/campaign.py, which names the file and key in its errors)."""
    if not isinstance(table, dict):
        raise SettingsError(f"config file {path}: [whatif] must be a table (e.g. "
                            "campaign_take_up = 0.3)")
    return {"config_file": str(path), **table}


LIVE_KEYS = ("source", "url", "subject", "stream", "durable", "topic", "group", "listen",
             "batch", "webhook", "notify_min_score", "dashboard_url",
             # e-mail notification (cxbridge.jobs.live_notify.EmailNotifier)
             "smtp_host", "smtp_port", "smtp_from", "smtp_to", "smtp_starttls", "smtp_user",
             "smtp_password_env")
_LIVE_NUMBERS = ("batch", "notify_min_score")
_LIVE_SMTP_OTHER = ("smtp_port", "smtp_to", "smtp_starttls")  # not strings


def _live(path: Path, table: object) -> dict[str, object]:
    """The [live] table (``cxbridge live``'s defaults): only its known keys, strings but
    ``batch`` (a whole number of events, at least 1) and ``notify_min_score`` (a number)."""
    if isinstance(table, dict) and "smtp_password" in table:
        raise SettingsError(f"config file {path}: [live] smtp_password: a password never goes "
                            "in the config file; put it in an environment variable and name "
                            "that variable in smtp_password_env (e.g. smtp_password_env = "
                            "\"CXBRIDGE_SMTP_PASSWORD\")")
    if not isinstance(table, dict) or set(table) - set(LIVE_KEYS) or any(
            not isinstance(v, str) for k, v in table.items()
            if k not in _LIVE_NUMBERS + _LIVE_SMTP_OTHER):
        raise SettingsError(f"config file {path}: [live] takes {', '.join(LIVE_KEYS)} "
                            "(strings, e.g. source = \"nats\", url = \"nats://host:4222\"; "
                            "batch = a whole number of events, notify_min_score = a number)")
    if "batch" in table:
        table = {**table, "batch": _whole_number(f"config file {path}: [live] batch",
                                                 table["batch"])}
    score = table.get("notify_min_score", 0)
    if isinstance(score, bool) or not isinstance(score, int | float):
        raise SettingsError(f"config file {path}: [live] notify_min_score is {score!r}: "
                            "expected a number (an incident's priority score)")
    return _live_smtp(path, dict(table))


def _live_smtp(path: Path, table: dict[str, object]) -> dict[str, object]:
    """The [live] e-mail keys checked: with any of them, ``smtp_host``, ``smtp_from`` and
    ``smtp_to`` (a list of addresses) are needed; ``smtp_port`` a port number (default 25),
    ``smtp_starttls`` true or false; ``smtp_password_env`` the name of an environment
    variable (the password itself is never in the file)."""
    if not any(key.startswith("smtp_") for key in table):
        return table
    where = f"config file {path}: [live]"
    missing = [key for key in ("smtp_host", "smtp_from", "smtp_to") if not table.get(key)]
    if missing:
        raise SettingsError(f"{where} sends e-mail only with smtp_host, smtp_from and smtp_to; "
                            f"{', '.join(missing)} missing (e.g. smtp_host = \"mail.example\", "
                            "smtp_from = \"cxbridge@example\", smtp_to = [\"noc@example\"])")
    to = table["smtp_to"]
    if isinstance(to, str):
        to = [to]
    if not isinstance(to, list) or not all(isinstance(a, str) and "@" in a for a in to):
        raise SettingsError(f"{where} smtp_to is {table['smtp_to']!r}: expected a list of "
                            "e-mail addresses, e.g. smtp_to = [\"noc@example\"]")
    if "@" not in str(table["smtp_from"]):
        raise SettingsError(f"{where} smtp_from is {table['smtp_from']!r}: expected an e-mail "
                            "address, e.g. smtp_from = \"cxbridge@example\"")
    port = table.get("smtp_port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise SettingsError(f"{where} smtp_port is {port!r}: expected a port number "
                            "(25, 587 with STARTTLS)")
    starttls = table.get("smtp_starttls", False)
    if not isinstance(starttls, bool):
        raise SettingsError(f"{where} smtp_starttls is {starttls!r}: expected true or false")
    env = table.get("smtp_password_env")
    if env is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(env)):
        raise SettingsError(f"{where} smtp_password_env is {env!r}: expected the name of an "
                            "environment variable holding the password")
    return {**table, "smtp_to": list(to), "smtp_port": port, "smtp_starttls": starttls}


ENGINES = ("duckdb", "spark")


def _engine(path: Path, table: object, env: Mapping[str, str]) -> dict[str, str]:
    """The [engine] table (``name``, ``spark``), overridden by ``CXBRIDGE_ENGINE`` and
    ``CXBRIDGE_SPARK``."""
    if not isinstance(table, dict) or set(table) - {"name", "spark"}:
        raise SettingsError(f"config file {path}: [engine] takes name = \"duckdb\" or "
                            "\"spark\" and spark = \"local[*]\" (or spark://host:7077, "
                            "sc://host:15002)")
    name = str(env.get("CXBRIDGE_ENGINE") or table.get("name", "duckdb")).strip().lower()
    return {"engine": check_engine(name, "CXBRIDGE_ENGINE or [engine] name"),
            "spark_master": str(env.get("CXBRIDGE_SPARK") or table.get("spark", "local[*]"))}


def check_engine(name: str, where: str) -> str:
    """``name`` if it is an engine cxbridge has, else a settings error naming ``where``."""
    if name not in ENGINES:
        raise SettingsError(f"{where} is {name!r}: the engines are {', '.join(ENGINES)}")
    return name


def _share(name: str, value: object) -> float:
    """A share between 0 and 1 from the config file, else a settings error naming it."""
    try:
        share = float(str(value).strip())
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise SettingsError(f"{name} is {value!r}: it must be a share between 0 and 1 "
                            "(0.2: a re-delivery may remove up to 20 % of the rows)")
    return share


def _whole_number(name: str, value: object) -> int:
    """A positive whole number from the environment or the config file, else a settings error
    naming where it came from."""
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number < 1:
        raise SettingsError(f"{name} is {value!r}: it must be a whole number of at least 1")
    return number
