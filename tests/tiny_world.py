"""A hand-made raw world small enough to check every number by hand.

Two customers in Dublin on 2026-10-01:
* C1 (consumer) has FTTH (CFS-1) on PON-1 behind OLT-1;
* C2 (smb) has mobile data (CFS-2) usually served by CELL-1 and CELL-2 on SITE-1.

PON-1 reports four intervals (vendor A): latency 10, 20, 30, 40 ms and one fully unavailable
interval (900 s → 15 outage minutes). CELL-1 reports two intervals and CELL-2 one, in vendor B's
dialect (µs, kbit/s, availability %), so unit conversion and volume weighting are exercised.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl

CATALOG = """\
serviceSpecification:
  - id: cfs-ftth
    name: FTTH Broadband
    "@type": CustomerFacingServiceSpecification
    cfsType: ftth
    serviceSpecRelationship: [{id: rfs-gpon-access, relationshipType: requires}]
  - id: cfs-mobile-data
    name: Mobile Data
    "@type": CustomerFacingServiceSpecification
    cfsType: mobile_data
    serviceSpecRelationship: [{id: rfs-radio-access, relationshipType: requires}]
  - id: rfs-gpon-access
    "@type": ResourceFacingServiceSpecification
    resourceSpecification: [{resourceType: pon_port}]
    redundancy: {mode: none}
  - id: rfs-radio-access
    "@type": ResourceFacingServiceSpecification
    resourceSpecification: [{resourceType: cell}]
    redundancy: {mode: none}
"""

RESOURCES = """\
resource_id,resource_type,name,region,vendor,site_id,capacity_mbps,latitude,longitude
CORE-1,core_router,Core Dublin,Dublin,A,,400000,53.35,-6.26
OLT-1,olt,OLT Dublin 1,Dublin,A,,20000,53.34,-6.25
PON-1,pon_port,PON 1/1,Dublin,A,,2500,53.34,-6.25
SITE-1,site,Site Dublin 1,Dublin,B,SITE-1,,53.33,-6.24
CELL-1,cell,Cell 1,Dublin,B,SITE-1,300,53.33,-6.24
CELL-2,cell,Cell 2,Dublin,B,SITE-1,300,53.33,-6.24
"""

LINKS = """\
resource_id,depends_on_id,protection_group
PON-1,OLT-1,
OLT-1,CORE-1,
CELL-1,SITE-1,
CELL-2,SITE-1,
SITE-1,CORE-1,
"""

CUSTOMERS = """\
customer_id,name,email,phone,segment,region,city,contract_type,payment_method,customer_since,\
monthly_charges_eur,status,marketing_opt_in,loyalty_tier
C1,Aoife Byrne,aoife.byrne@example.ie,+353 87 123 4567,consumer,Dublin,Dublin,month-to-month,\
direct_debit,2021-05-01,49.99,active,true,gold
C2,Byrne Plumbing Ltd,accounts@byrneplumbing.ie,+353 1 555 0101,smb,Dublin,Dublin,one_year,\
invoice,2019-02-11,35.00,active,false,silver
"""


def _services() -> list[dict]:
    def cfs(sid: str, customer: str, spec: str, kind: str, access: dict) -> dict:
        return {
            "id": sid,
            "category": "CFS",
            "serviceType": kind,
            "state": "active",
            "startDate": "2024-01-01T00:00:00Z",
            "endDate": None,
            "serviceSpecification": {"id": spec},
            "relatedParty": [
                {
                    "role": "customer",
                    "partyOrPartyRole": {"id": customer, "@referredType": "Customer"},
                }
            ],
            "serviceCharacteristic": [{"name": "monthlyPriceEur", "value": 40.0}],
            "supportingService": [access],
        }

    ftth_access = {
        "id": "RFS-1",
        "category": "RFS",
        "serviceSpecification": {"id": "rfs-gpon-access"},
        "supportingResource": [{"id": "PON-1", "@referredType": "pon_port"}],
    }
    radio_access = {
        "id": "RFS-2",
        "category": "RFS",
        "serviceSpecification": {"id": "rfs-radio-access"},
        "supportingResource": [
            {"id": "CELL-1", "@referredType": "cell"},
            {"id": "CELL-2", "@referredType": "cell"},
        ],
    }
    return [
        cfs("CFS-1", "C1", "cfs-ftth", "ftth", ftth_access),
        cfs("CFS-2", "C2", "cfs-mobile-data", "mobile_data", radio_access),
    ]


KPIS_A = """\
START_TIME,MO_ID,MO_CLASS,DL_THP_MBPS,UTIL_PCT,LAT_MS,JITTER_MS,PKT_LOSS_PCT,UNAVAIL_S,\
ACC_ATT,ACC_SUCC,DROPS,SESSIONS
2026-10-01T00:00:00Z,PON-1,pon_port,400,20,10,1,0,0,,,,30
2026-10-01T00:15:00Z,PON-1,pon_port,380,25,20,1,0,0,,,,31
2026-10-01T00:30:00Z,PON-1,pon_port,0,0,30,1,0,900,,,,0
2026-10-01T00:45:00Z,PON-1,pon_port,390,22,40,1,0,0,,,,29
"""

# Local Dublin time in October is UTC+1: 02:00+01:00 is 01:00 UTC on 2026-10-01.
KPIS_B = """\
PERIOD_START_TIME;DN;OBJ_TYPE;THRPUT_DL_KBPS;LOAD_PERMILLE;AVG_RTT_US;JITTER_US;LOSS_RATIO;\
AVAIL_PCT;SETUP_ATT;SETUP_SUCC;ABN_REL;ACTIVE_SESS
2026-10-01 02:00:00+01:00;NE=CELL-1;CELL;50000;500;40000;3000;0.01;100;100;99;1;20
2026-10-01 02:15:00+01:00;NE=CELL-1;CELL;40000;600;60000;3000;0.02;50;100;90;2;20
2026-10-01 02:00:00+01:00;NE=CELL-2;CELL;30000;700;100000;5000;0.03;100;50;50;0;10
"""

ALARMS = [
    {
        "eventId": "E1",
        "eventTime": "2026-10-01T00:30:05Z",
        "eventType": "AlarmCreateEvent",
        "event": {
            "alarm": {
                "id": "AL-1",
                "alarmType": "communicationsAlarm",
                "perceivedSeverity": "critical",
                "probableCause": "lossOfSignal",
                "alarmedObject": {"id": "PON-1", "@referredType": "pon_port"},
                "sourceSystemId": "EMS-FIX",
                "state": "raised",
                "alarmRaisedTime": "2026-10-01T00:30:00Z",
                "serviceAffecting": True,
                "isRootCause": True,
                "plannedOutageIndicator": "inService",
            }
        },
    },
    {
        "eventId": "E2",
        "eventTime": "2026-10-01T00:45:10Z",
        "eventType": "AlarmStateChangeEvent",
        "event": {
            "alarm": {
                "id": "AL-1",
                "alarmType": "communicationsAlarm",
                "perceivedSeverity": "cleared",
                "probableCause": "lossOfSignal",
                "alarmedObject": [{"id": "PON-1"}],
                "sourceSystemId": "EMS-FIX",
                "state": "cleared",
                "alarmRaisedTime": "2026-10-01T00:30:00Z",
                "alarmClearedTime": "2026-10-01T00:45:00Z",
            }
        },
    },
]


def _usage() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [date(2026, 10, 1)] * 3,
            "service_id": ["CFS-1", "CFS-2", "CFS-2"],
            "cell_id": [None, "CELL-1", "CELL-2"],
            "data_volume_mb": [3000.0, 300.0, 100.0],
            "voice_minutes": [0.0, 0.0, 0.0],
            "sessions": [40, 30, 10],
            "session_failures": [2, 1, 1],
            "video_stall_count": [0, 1, 0],
            "video_stall_seconds": [0.0, 4.0, 0.0],
        }
    )


TICKETS = """\
ticket_id,customer_id,service_id,created_at,resolved_at,status,channel,category,severity,description
T1,C1,CFS-1,2026-10-01T08:00:00Z,,inProgress,phone,no_service,major,\
"Internet down since last night, again!"
"""

SURVEYS = """\
response_id,customer_id,responded_at,score,comment
S1,C1,2026-10-01T12:00:00Z,3,"Broadband keeps dropping"
"""


def write_tiny_world(raw: Path) -> Path:
    """Write every source of the tiny world under ``raw`` and return it."""
    files = {
        "catalog/catalog.yaml": CATALOG,
        "topology/resources.csv": RESOURCES,
        "topology/resource_links.csv": LINKS,
        "customers/customers.csv": CUSTOMERS,
        "services/services.jsonl": "\n".join(json.dumps(s) for s in _services()) + "\n",
        "kpis/vendor_a/A_PM_20261001.csv": KPIS_A,
        "kpis/vendor_b/B_PM_20261001.csv": KPIS_B,
        "alarms/alarms_20261001.jsonl": "\n".join(json.dumps(a) for a in ALARMS) + "\n",
        "tickets/tickets_20261001.csv": TICKETS,
        "surveys/nps_20261001.csv": SURVEYS,
    }
    for relative, text in files.items():
        path = raw / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (raw / "usage").mkdir(parents=True, exist_ok=True)
    _usage().write_parquet(raw / "usage" / "usage_20261001.parquet")
    return raw
