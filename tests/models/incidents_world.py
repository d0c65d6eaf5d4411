"""A hand-made network for the incident models' golden tests, small enough to check by hand.

Topology (Dublin): CORE1/CORE2 ← AGG1 (dual-homed); AGG1 ← L1, L2 ← OLT (a 1+1 uplink pair);
OLT ← PON1, PON2, PON3; AGG1 ← L3 ← SITE ← CELL1, CELL2; DNS1 (on CORE1), DNS2 (on CORE2), a
1-of-2 pool. Services: CFS-1 (C1, consumer) FTTH on PON1 + DNS, CFS-2 (C2, smb) FTTH on PON2 +
DNS, CFS-3 (C3, enterprise) a VPN on PON3 with a 99.9 % SLA, CFS-4 (C1) mobile data carried
90 % by CELL1 and 10 % by CELL2.

Alarms on 2026-10-02 (:data:`ALARMS`), one story each:
A line card fails on the OLT (its clear is lost), PON1 and PON2 lose signal with it;
B PON3 flaps four times; C uplink L1 fails (protected) and the OLT warns it lost redundancy;
D both resolvers crash (DNS2 flagged root cause by its EMS); E the site loses mains, its cells
die 40 minutes later; F a cabinet door opens; G planned maintenance of the OLT on the 3rd.
The PM data ends at 2026-10-03 23:45 (one row), so "now" is 2026-10-04 00:00.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl

from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.models.service import alarms as service_alarms
from cxbridge.platform.ingest import SOURCES
from cxbridge.platform.ingest.staging import ensure_staging_tables
from cxbridge.platform.warehouse import execute_sql_file, read_sql

RESOURCES = """resource_id,resource_type,region,vendor
CORE1,core_router,Dublin,A
CORE2,core_router,Dublin,A
AGG1,agg_router,Dublin,A
L1,transport_link,Dublin,A
L2,transport_link,Dublin,A
L3,transport_link,Dublin,A
OLT,olt,Dublin,A
PON1,pon_port,Dublin,A
PON2,pon_port,Dublin,A
PON3,pon_port,Dublin,A
SITE,site,Dublin,A
CELL1,cell,Dublin,A
CELL2,cell,Dublin,A
DNS1,dns_resolver,National,A
DNS2,dns_resolver,National,A
"""
LINKS = """resource_id,depends_on_id,protection_group
AGG1,CORE1,PG-AGG1
AGG1,CORE2,PG-AGG1
L1,AGG1,
L2,AGG1,
OLT,L1,PG-OLT
OLT,L2,PG-OLT
PON1,OLT,
PON2,OLT,
PON3,OLT,
L3,AGG1,
SITE,L3,
CELL1,SITE,
CELL2,SITE,
DNS1,CORE1,
DNS2,CORE2,
"""
CATALOG = """serviceSpecification:
  - {id: cfs-ftth, "@type": CustomerFacingServiceSpecification, cfsType: ftth,
     serviceSpecRelationship: [{id: rfs-gpon-access}, {id: rfs-dns}]}
  - {id: cfs-vpn, "@type": CustomerFacingServiceSpecification, cfsType: enterprise_vpn,
     serviceSpecRelationship: [{id: rfs-gpon-access}]}
  - {id: cfs-mobile, "@type": CustomerFacingServiceSpecification, cfsType: mobile_data,
     serviceSpecRelationship: [{id: rfs-radio}]}
  - {id: rfs-radio, "@type": ResourceFacingServiceSpecification,
     resourceSpecification: [{resourceType: cell}], redundancy: {mode: none}}
  - {id: rfs-gpon-access, "@type": ResourceFacingServiceSpecification,
     resourceSpecification: [{resourceType: pon_port}], redundancy: {mode: none}}
  - {id: rfs-dns, "@type": ResourceFacingServiceSpecification,
     resourceSpecification: [{resourceType: dns_resolver}], redundancy: {mode: n-of-m, minUp: 1}}
"""
CUSTOMERS = """customer_id,name,email,phone,segment,region,contract_type,customer_since,\
monthly_charges_eur,status
C1,Aoife Byrne,aoife@example.ie,+353 1 000 0001,consumer,Dublin,one_year,2020-01-01,50.0,active
C2,Byrne Plumbing,office@byrne.example.ie,+353 1 000 0002,smb,Dublin,one_year,2020-01-01,\
100.0,active
C3,Liffey Bank plc,it@liffey.example.ie,+353 1 000 0003,enterprise,Dublin,two_year,2020-01-01,\
300.0,active
"""


def _cfs(service_id: str, customer: str, spec: str, rfs: list[dict], extra=()) -> dict:
    return {"id": service_id, "category": "CFS", "state": "active",
            "startDate": "2024-01-01T00:00:00Z", "serviceSpecification": {"id": spec},
            "relatedParty": [{"role": "customer", "partyOrPartyRole": {"id": customer}}],
            "serviceCharacteristic": [{"name": "monthlyPriceEur", "value": 40.0}, *extra],
            "supportingService": rfs}


def _access(service_id: str, spec: str, *resources: str) -> dict:
    return {"id": f"R-{service_id}", "category": "RFS", "serviceSpecification": {"id": spec},
            "supportingResource": [{"id": r} for r in resources]}


SERVICES = [
    {"id": "RFS-DNS", "category": "RFS", "state": "active",
     "serviceSpecification": {"id": "rfs-dns"},
     "supportingResource": [{"id": "DNS1"}, {"id": "DNS2"}]},
    _cfs("CFS-1", "C1", "cfs-ftth", [_access("CFS-1", "rfs-gpon-access", "PON1"),
                                     {"id": "RFS-DNS"}]),
    _cfs("CFS-2", "C2", "cfs-ftth", [_access("CFS-2", "rfs-gpon-access", "PON2"),
                                     {"id": "RFS-DNS"}]),
    _cfs("CFS-3", "C3", "cfs-vpn", [_access("CFS-3", "rfs-gpon-access", "PON3")],
         extra=({"name": "slaTier", "value": "bronze"},
                {"name": "slaAvailabilityPct", "value": 99.9})),
    _cfs("CFS-4", "C1", "cfs-mobile", [_access("CFS-4", "rfs-radio", "CELL1", "CELL2")]),
]


def alarm(alarm_id: str, resource: str, raised: str, cleared: str | None, *,
          cause: str = "lossOfSignal", severity: str = "critical", affecting: bool = True,
          root: bool = False, planned: bool = False, parent: str | None = None) -> list[dict]:
    """The TMF642 events of one alarm: a raise, and a clear unless ``cleared`` is None."""
    body = {"id": alarm_id, "alarmType": "communicationsAlarm", "perceivedSeverity": severity,
            "probableCause": cause, "specificProblem": f"{cause} on {resource}",
            "alarmedObject": {"id": resource}, "state": "raised", "alarmRaisedTime": raised,
            "serviceAffecting": affecting, "isRootCause": root,
            "plannedOutageIndicator": "inPlannedMaintenance" if planned else "inService",
            "parentAlarm": [{"id": parent}] if parent else []}
    events = [{"eventId": f"{alarm_id}-r", "eventTime": raised, "eventType": "AlarmCreateEvent",
               "event": {"alarm": body}}]
    if cleared:
        events.append({"eventId": f"{alarm_id}-c", "eventTime": cleared,
                       "eventType": "AlarmStateChangeEvent",
                       "event": {"alarm": dict(body, state="cleared", perceivedSeverity="cleared",
                                               alarmClearedTime=cleared)}})
    return events


def _t(clock: str, day: int = 2) -> str:
    return f"2026-10-0{day}T{clock}Z"


ALARMS = [
    # A: line card; the root's clear is lost, its two symptoms clear
    *alarm("A-ROOT", "OLT", _t("10:00:00"), None, cause="lineCardProblem", root=True),
    *alarm("A-PON1", "PON1", _t("10:00:20"), _t("12:00:10"), parent="A-ROOT"),
    *alarm("A-PON2", "PON2", _t("10:00:30"), _t("12:00:05"), parent="A-ROOT"),
    # B: PON3 flaps: 30 + 40 + 20 + 10 seconds down within ten minutes
    *alarm("B1", "PON3", _t("13:00:00"), _t("13:00:30"), severity="major"),
    *alarm("B2", "PON3", _t("13:03:00"), _t("13:03:40"), severity="major"),
    *alarm("B3", "PON3", _t("13:06:00"), _t("13:06:20"), severity="major"),
    *alarm("B4", "PON3", _t("13:09:00"), _t("13:09:10"), severity="major"),
    # C: one uplink of the OLT's 1+1 pair; the OLT warns (not service-affecting)
    *alarm("C-L1", "L1", _t("14:00:00"), _t("16:00:00"), root=True),
    *alarm("C-OLT", "OLT", _t("14:00:10"), _t("16:00:05"), cause="lossOfRedundancy",
           severity="major", affecting=False, parent="C-L1"),
    # D: both resolvers of the 1-of-2 pool crash; DNS2's EMS flags itself root cause
    *alarm("D-DNS1", "DNS1", _t("17:00:00"), _t("17:30:00"),
           cause="softwareProgramAbnormallyTerminated"),
    *alarm("D-DNS2", "DNS2", _t("17:00:10"), _t("17:20:00"),
           cause="softwareProgramAbnormallyTerminated", root=True),
    # E: mains fail at the site at 18:00, the cells die at 18:40 when the batteries run out
    *alarm("E-SITE", "SITE", _t("18:00:00"), _t("20:00:00"), cause="commercialPowerFailure",
           severity="major", root=True),
    *alarm("E-CELL1", "CELL1", _t("18:40:00"), _t("19:58:00"),
           cause="underlyingResourceUnavailable", parent="E-SITE"),
    *alarm("E-CELL2", "CELL2", _t("18:40:30"), _t("19:58:00"),
           cause="underlyingResourceUnavailable", parent="E-SITE"),
    # F: noise
    *alarm("F-DOOR", "SITE", _t("03:00:00"), _t("03:20:00"), cause="enclosureDoorOpen",
           severity="warning", affecting=False),
    # G: planned maintenance of the OLT on the 3rd
    *alarm("G-OLT", "OLT", _t("01:00:00", 3), _t("02:00:00", 3),
           cause="communicationsSubsystemFailure", planned=True, root=True),
    *alarm("G-PON1", "PON1", _t("01:00:20", 3), _t("02:00:00", 3),
           cause="underlyingResourceUnavailable", severity="major", planned=True,
           parent="G-OLT"),
]


def write_world(raw: Path, alarms: list[dict] | None = None, kpi_csv: str | None = None,
                usage_days: int = 3, extra_resources: str = "", extra_links: str = "") -> Path:
    """Write the network (with extra resource and link rows if given), its services, the
    alarms and a little PM and usage data."""
    files = {
        "catalog/catalog.yaml": CATALOG, "topology/resources.csv": RESOURCES + extra_resources,
        "topology/resource_links.csv": LINKS + extra_links, "customers/customers.csv": CUSTOMERS,
        "services/services.jsonl": "\n".join(json.dumps(s) for s in SERVICES) + "\n",
        "alarms/alarms.jsonl": "\n".join(json.dumps(e) for e in (
            ALARMS if alarms is None else alarms)) + "\n",
        "kpis/A_PM.csv": kpi_csv or ("START_TIME,MO_ID,MO_CLASS,LAT_MS\n"
                                     "2026-10-03T23:45:00Z,PON1,pon_port,3\n"),
    }
    for name, text in files.items():
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_text(text, encoding="utf-8")
    (raw / "usage").mkdir(parents=True, exist_ok=True)
    first = date(2026, 9, 30)
    days = [first + timedelta(days=k) for k in range(usage_days)]
    pl.DataFrame({
        "date": [d for d in days for _ in range(2)],
        "service_id": ["CFS-4"] * 2 * len(days),
        "cell_id": ["CELL1", "CELL2"] * len(days),
        "data_volume_mb": [90.0, 10.0] * len(days),
    }).write_parquet(raw / "usage" / "usage.parquet")
    return raw


def cell_kpis(cells: list[str], days: int, start: date, override) -> str:
    """Vendor-A PM rows for ``cells`` every 15 minutes for ``days`` days: a daily cycle of
    sessions and utilisation, with ``override(cell, t)`` returning (sessions, util) to change
    an interval or None to keep it."""
    lines = ["START_TIME,MO_ID,MO_CLASS,UTIL_PCT,UNAVAIL_S,ACC_ATT,ACC_SUCC,SESSIONS"]
    origin = datetime(start.year, start.month, start.day)
    for k in range(days * 96):
        t = origin + timedelta(minutes=15 * k)
        busy = 0.5 + 0.5 * (8 <= t.hour < 23)
        for n, cell in enumerate(cells):
            sessions, util = round(40 * busy) + n, round(30 * busy + n, 1)
            changed = override(cell, t)
            if changed is not None:
                sessions, util = changed
            lines.append(f"{t:%Y-%m-%dT%H:%M:%SZ},{cell},cell,{util},0,{sessions * 2},"
                         f"{sessions * 2},{sessions}")
    return "\n".join(lines) + "\n"


# The core models the incident models read, run on their own so that these tests do not depend
# on every mart of the transform chain.
CORE_MODELS = ("core/cfs.sql", "core/resources.sql", "core/resource_ancestors.sql",
               "core/cfs_resources.sql", "core/cfs_access.sql", "core/access_paths.sql",
               "core/redundant_pools.sql")  # and the alarms (service_alarms.fold)
# the partitioned ones, over the days of PM data (the hourly KPIs) and of usage (the shares,
# on the days core.service_dates gives)
_PM_DAYS = "select distinct cast(interval_start as date) as date from stg.kpi_15min"
_ANY_DAYS = f"{_PM_DAYS} union select distinct date from stg.usage"
CORE_DAILY = (("core/resource_hourly.sql", _PM_DAYS),
              ("core/access_hourly.sql", _PM_DAYS),
              ("core/service_dates.sql", _ANY_DAYS),
              ("core/service_access_shares.sql", "select distinct date from stg.usage"))


def build_core(con) -> None:
    ensure_staging_tables(con, SOURCES)   # a feed the world lacks is an empty table
    for model in CORE_MODELS:
        execute_sql_file(con, SERVICE_SQL / model)
    service_alarms.fold(con)
    for model, days in CORE_DAILY:
        table = "core." + model.removeprefix("core/").removesuffix(".sql")
        con.execute(f"create or replace temp table _scope as {days}")
        select = read_sql(SERVICE_SQL / model)
        con.execute(f"create or replace table {table} as select * from ({select})")
    con.execute("drop table _scope")
