"""The mini operator of ``world.py`` as the REST API tests read it: its tables with the columns
a real snapshot has that the pages do not need (alarm type, region and planned work of each
alarm episode; the impact figures of each incident), the enterprise SLA table, and a token per
role.

SLA facts the tests rely on (the four enterprise VPNs of ``world.py``, all in Ulster, 14 days
= 20,160 minutes each):

* ``CFS-0000010-01`` gold 99.99 %: no outage → met;
* ``CFS-0000020-01`` silver 99.95 %: 30 unplanned minutes on 03-10 (allowance 10.08) →
  violated, availability 100 × (1 − 30 / 20160);
* ``CFS-0000030-01`` bronze 99.9 %: 18 unplanned minutes on 03-11 (allowance 20.16, warning
  past 16.128) → atRisk;
* ``CFS-0000040-01`` gold 99.99 %: 600 minutes of planned work on 03-12 → met.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl

from cxbridge.dashboards.api_auth import add_token
from cxbridge.dashboards.roles import ROLES
from cxbridge.platform.settings import load_settings
from tests.dashboards import conftest as fixtures
from tests.dashboards.world import CLEARED_BNG, OPEN_FIBRE

SLA = {  # service → tier, objective, outage minutes, day, planned
    "CFS-0000010-01": ("gold", 99.99, 0.0, None, False),
    "CFS-0000020-01": ("silver", 99.95, 30.0, date(2026, 3, 10), False),
    "CFS-0000030-01": ("bronze", 99.9, 18.0, date(2026, 3, 11), False),
    "CFS-0000040-01": ("gold", 99.99, 600.0, date(2026, 3, 12), True),
}
EXPECTED_CONFORMANCE = {"CFS-0000010-01": "met", "CFS-0000020-01": "violated",
                        "CFS-0000030-01": "atRisk", "CFS-0000040-01": "met"}
ROOT_ALARM = f"EP-{OPEN_FIBRE}-root"
SYMPTOM_ALARM = f"EP-{OPEN_FIBRE}-symptom"
CLEARED_ROOT_ALARM = f"EP-{CLEARED_BNG}-root"


def sla_service_daily(service_daily: pl.DataFrame) -> pl.DataFrame:
    """``marts.sla_service_daily`` for the world's VPNs, with the outages of :data:`SLA`."""
    rows = []
    for row in service_daily.filter(pl.col("service_id").is_in(list(SLA))).iter_rows(named=True):
        tier, pct, minutes, day, planned = SLA[row["service_id"]]
        outage = minutes if row["date"] == day else 0.0
        rows.append({"date": row["date"], "service_id": row["service_id"],
                     "customer_id": row["customer_id"], "cfs_type": row["cfs_type"],
                     "segment": row["segment"], "region": row["region"], "sla_tier": tier,
                     "sla_availability_pct": pct, "minutes": 1440.0, "outage_minutes": outage,
                     "unplanned_outage_minutes": 0.0 if planned else outage})
    return pl.DataFrame(rows)


def api_tables(world: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """The world's tables with the real snapshot's columns the API reads, and the SLA table."""
    episodes = world["episodes"].with_columns(
        region=pl.when(pl.col("episode_id").str.contains(OPEN_FIBRE)).then(pl.lit("Munster"))
        .otherwise(pl.lit("Dublin")),
        alarm_type=pl.lit("communicationsAlarm"), planned=pl.lit(False),
        root_hint=pl.col("episode_id").str.ends_with("-root"),
        # the symptoms are minor, the roots critical
        severity_rank=pl.when(pl.col("episode_id").str.ends_with("-root")).then(5).otherwise(3))
    queue = world["queue"]
    impact = world["incident_impact"].join(queue.select(
        "incident_id", "affected_services", "affected_customers", "sla_services",
        "sla_breached_services", "revenue_at_risk_eur", "experience_drop", "duration_minutes"),
        on="incident_id").with_columns(
        service_minutes=pl.col("affected_services") * 600.0, consumer_customers=pl.lit(1),
        smb_customers=pl.lit(0), enterprise_customers=pl.lit(0), sla_minutes=pl.lit(0.0),
        monthly_revenue_eur=pl.col("revenue_at_risk_eur") * 4)
    return {**world, "episodes": episodes, "incident_impact": impact,
            "sla_service_daily": sla_service_daily(world["service_experience_daily"])}


def published_home(folder: Path, world: dict[str, pl.DataFrame]) -> SimpleNamespace:
    """The mini operator published under ``folder`` (the dashboard tests' own ``publish`` and
    ``demo_rows``, called directly, so a module can build it once), with a token per role:
    ``settings``, ``world``, ``tokens`` (role → token)."""
    (folder / "cxbridge.toml").write_text("", encoding="utf-8")
    settings = load_settings({"CXBRIDGE_HOME": str(folder / "home"),
                              "CXBRIDGE_CONFIG": str(folder / "cxbridge.toml")})
    fixtures.publish.__wrapped__(settings)("api-run", fixtures.demo_rows.__wrapped__(),
                                           api_tables(world))
    return SimpleNamespace(settings=settings, world=world,
                           tokens=issue_tokens(settings.dashboard.api_tokens_file))


def issue_tokens(path: Path) -> dict[str, str]:
    """A token per role (named after it), in the tokens file at ``path``."""
    return {role: add_token(path, f"api-{role}", role) for role in ROLES}


def bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}
