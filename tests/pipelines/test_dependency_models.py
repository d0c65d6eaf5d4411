"""Golden tests of the dependency models: topology rows in → ancestors and service
dependencies out, with redundancy honoured."""

from __future__ import annotations

import json
from datetime import date

import polars as pl
import pytest

from cxbridge.jobs import flow
from cxbridge.models.graph import model_graph
from cxbridge.models.incidents import Params
from cxbridge.models.service import SQL as SERVICE_SQL
from cxbridge.platform import ingest, transform, warehouse
from cxbridge.platform.ingest.staging import ensure_staging_tables

RESOURCES = """resource_id,resource_type,region,vendor
CORE1,core_router,Dublin,A
CORE2,core_router,Dublin,A
AGG1,agg_router,Dublin,A
AGG2,agg_router,Dublin,A
L1,transport_link,Dublin,A
L2,transport_link,Dublin,A
L3,transport_link,Dublin,A
OLT,olt,Dublin,A
PON,pon_port,Dublin,A
SITE,site,Dublin,B
CELL,cell,Dublin,B
CELL2,cell,Dublin,B
DNS1,dns_resolver,National,A
DNS2,dns_resolver,National,A
"""
# AGG1 and AGG2 are dual-homed to the core pair; the OLT's two uplinks are a 1+1 pair; the
# mobile site has a single backhaul link; each DNS resolver hangs off one core router.
LINKS = """resource_id,depends_on_id,protection_group
AGG1,CORE1,PG-AGG1
AGG1,CORE2,PG-AGG1
AGG2,CORE1,PG-AGG2
AGG2,CORE2,PG-AGG2
L1,AGG1,
L2,AGG2,
OLT,L1,PG-OLT
OLT,L2,PG-OLT
PON,OLT,
L3,AGG1,
SITE,L3,
CELL,SITE,
CELL2,AGG2,
DNS1,CORE1,
DNS2,CORE2,
"""
CATALOG = """serviceSpecification:
  - {id: cfs-ftth, "@type": CustomerFacingServiceSpecification, cfsType: ftth,
     serviceSpecRelationship: [{id: rfs-gpon-access}, {id: rfs-dns}]}
  - {id: cfs-mobile, "@type": CustomerFacingServiceSpecification, cfsType: mobile_data,
     serviceSpecRelationship: [{id: rfs-radio}]}
  - {id: rfs-radio, "@type": ResourceFacingServiceSpecification,
     resourceSpecification: [{resourceType: cell}], redundancy: {mode: none}}
  - {id: rfs-gpon-access, "@type": ResourceFacingServiceSpecification,
     resourceSpecification: [{resourceType: pon_port}], redundancy: {mode: none}}
  - {id: rfs-dns, "@type": ResourceFacingServiceSpecification,
     resourceSpecification: [{resourceType: dns_resolver}], redundancy: {mode: n-of-m, minUp: 1}}
"""
CUSTOMERS = ("customer_id,segment,region,contract_type,customer_since,status\n"
             "C1,consumer,Dublin,one_year,2020-01-01,active\n")
SERVICES = [
    {"id": "RFS-DNS", "category": "RFS", "state": "active",
     "serviceSpecification": {"id": "rfs-dns"},
     "supportingResource": [{"id": "DNS1"}, {"id": "DNS2"}]},
    {"id": "CFS-1", "category": "CFS", "state": "active",
     "serviceSpecification": {"id": "cfs-ftth"},
     "relatedParty": [{"role": "customer", "partyOrPartyRole": {"id": "C1"}}],
     "supportingService": [
         {"id": "RFS-1", "category": "RFS", "serviceSpecification": {"id": "rfs-gpon-access"},
          "supportingResource": [{"id": "PON"}]},
         {"id": "RFS-DNS"}]},
    *({"id": cfs, "category": "CFS", "state": "active",
       "serviceSpecification": {"id": "cfs-mobile"},
       "relatedParty": [{"role": "customer", "partyOrPartyRole": {"id": "C1"}}],
       "supportingService": [{"id": f"R-{cfs}", "category": "RFS",
                              "serviceSpecification": {"id": "rfs-radio"},
                              "supportingResource": [{"id": "CELL"}, {"id": "CELL2"}]}]}
      for cfs in ("CFS-2", "CFS-3")),
]


@pytest.fixture
def models(settings, tmp_path):
    files = {"catalog/catalog.yaml": CATALOG, "topology/resources.csv": RESOURCES,
             "topology/resource_links.csv": LINKS, "customers/customers.csv": CUSTOMERS,
             "services/services.jsonl": "\n".join(json.dumps(s) for s in SERVICES) + "\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "usage").mkdir()
    pl.DataFrame({"date": [date(2026, 10, 1)] * 3, "service_id": ["CFS-1", "CFS-2", "CFS-3"],
                  "cell_id": [None, "CELL", "CELL"], "data_volume_mb": [100.0, 80.0, 10.0]}
                 ).write_parquet(tmp_path / "usage" / "usage.parquet")
    pl.DataFrame({"date": [date(2026, 10, 1)], "service_id": ["CFS-3"], "cell_id": ["CELL2"],
                  "data_volume_mb": [90.0]}).write_parquet(tmp_path / "usage" / "usage_2.parquet")
    # the next day: the mobile lines' shares come from the week before (the 1st)
    pl.DataFrame({"date": [date(2026, 10, 2)], "service_id": ["CFS-1"], "cell_id": [None],
                  "data_volume_mb": [50.0]}).write_parquet(tmp_path / "usage" / "usage_3.parquet")
    settings.ensure_dirs()
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, ingest.discover(tmp_path), "t")
        ensure_staging_tables(con, ingest.SOURCES)   # no PM feed: an empty stg.kpi_15min
        for model in ("core/cfs.sql", "core/resources.sql", "core/resource_ancestors.sql",
                      "core/cfs_resources.sql", "core/cfs_access.sql"):
            warehouse.execute_sql_file(con, SERVICE_SQL / model)
        ancestors = warehouse.query(con, "select * from core.resource_ancestors")
        needs = warehouse.query(con, "select * from core.cfs_resources "
                                     "where service_id = 'CFS-1'")
    return ({(r["resource_id"], r["ancestor_id"]): (r["depth"], r["protected"])
             for r in ancestors.iter_rows(named=True)},
            {r["resource_id"]: (r["depth"], r["protected"]) for r in needs.iter_rows(named=True)})


def test_a_pon_port_is_exposed_to_its_olt_but_not_to_one_protected_uplink(models):
    ancestors, _ = models
    assert ancestors[("PON", "PON")] == (0, False)
    assert ancestors[("PON", "OLT")] == (1, False)
    assert ancestors[("PON", "L1")] == (2, True)
    assert ancestors[("PON", "AGG2")] == (3, True)
    assert ancestors[("PON", "CORE1")] == (4, True)


def test_a_cell_behind_a_single_backhaul_is_exposed_up_to_its_aggregation(models):
    ancestors, _ = models
    assert ancestors[("CELL", "SITE")] == (1, False)
    assert ancestors[("CELL", "L3")] == (2, False)
    assert ancestors[("CELL", "AGG1")] == (3, False)  # an alarm on AGG1 reaches the cell
    assert ancestors[("CELL", "CORE2")] == (4, True)  # AGG1 is dual-homed to the core pair
    assert ("CELL", "AGG2") not in ancestors


def test_a_service_depends_on_everything_below_its_rfs_with_redundancy(models):
    _, needs = models
    assert needs["PON"] == (0, False) and needs["OLT"] == (1, False)
    assert needs["L1"][1] and needs["AGG1"][1]
    # the DNS pool is n-of-m: one resolver alone never interrupts the service, and neither does
    # one core router, reached through the resolvers and through the dual-homed aggregation
    assert needs["DNS1"] == (0, True) and needs["DNS2"] == (0, True)
    assert needs["CORE1"][1] and needs["CORE2"][1]
    assert "SITE" not in needs and "CELL" not in needs


def _alarm(alarm, obj, raised, cleared=None, affecting=True):
    events = [{"eventId": f"{alarm}-r", "eventTime": raised, "eventType": "AlarmCreateEvent",
               "event": {"alarm": {"id": alarm, "perceivedSeverity": "critical",
                                   "state": "raised", "alarmedObject": {"id": obj},
                                   "alarmRaisedTime": raised,
                                   "serviceAffecting": affecting}}}]
    if cleared:
        events.append({"eventId": f"{alarm}-c", "eventTime": cleared,
                       "eventType": "AlarmStateChangeEvent",
                       "event": {"alarm": {"id": alarm, "perceivedSeverity": "cleared",
                                           "state": "cleared", "alarmedObject": {"id": obj},
                                           "alarmRaisedTime": raised,
                                           "alarmClearedTime": cleared}}})
    return events


def test_fault_minutes_per_service_day(settings, tmp_path, models):
    events = (
        _alarm("ROOT", "OLT", "2026-10-01T23:00:00Z", "2026-10-02T01:00:00Z")      # across midnight
        + _alarm("SYMPTOM", "PON", "2026-10-01T23:30:00Z", "2026-10-02T00:30:00Z")  # inside ROOT
        + _alarm("LINK", "L1", "2026-10-02T05:00:00Z", "2026-10-02T06:00:00Z")      # protected
        + _alarm("NOISE", "PON", "2026-10-02T08:00:00Z", "2026-10-02T09:00:00Z", affecting=False)
        + _alarm("OPEN", "DNS1", "2026-10-02T10:00:00Z")                            # never cleared
        + _alarm("LATE", "PON", "2026-10-02T22:00:00Z")                             # never cleared
        + _alarm("DNS2", "DNS2", "2026-10-02T12:00:00Z", "2026-10-02T12:30:00Z")    # pool down
        + _alarm("BACKHAUL", "L3", "2026-10-02T14:00:00Z", "2026-10-02T14:20:00Z")  # site's link
    )
    (tmp_path / "alarms").mkdir()
    (tmp_path / "alarms" / "alarms.jsonl").write_text("\n".join(json.dumps(e) for e in events))
    (tmp_path / "kpis").mkdir()
    (tmp_path / "kpis" / "A_PM.csv").write_text(   # the data ends at 2026-10-02 23:00
        "START_TIME,MO_ID,MO_CLASS,LAT_MS\n2026-10-02T22:45:00Z,PON,pon_port,10\n")
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, [(ingest.source("alarms"), tmp_path / "alarms" / "alarms.jsonl"),
                                 (ingest.source("kpis"), tmp_path / "kpis" / "A_PM.csv")], "t")
        transform.build(con, model_graph(), full=True)
        days = warehouse.query(con, "select service_id, cast(date as varchar) d, fault_minutes "
                                    "from core.service_fault_days order by service_id, date")
    # CFS-1 (FTTH): 23:00-24:00 on the 1st; on the 2nd 00:00-01:00, LATE's 22:00-23:00 (the end
    # of data) and 12:00-12:30, when both resolvers of the 1-of-2 DNS pool were down. The
    # protected uplink, the non-service-affecting alarm and one resolver alone add nothing.
    assert days.filter(pl.col("service_id") == "CFS-1").select("d", "fault_minutes").rows() == [
        ("2026-10-01", 60.0), ("2026-10-02", 150.0)]
    # the site's backhaul L3 fails: CFS-2 has all its traffic there, CFS-3 only 10 %
    assert days.filter(pl.col("service_id") != "CFS-1").select("service_id", "d").rows() == [
        ("CFS-2", "2026-10-02")]


def _load_alarms(settings, tmp_path, events) -> None:
    (tmp_path / "alarms").mkdir()
    (tmp_path / "alarms" / "alarms.jsonl").write_text("\n".join(json.dumps(e) for e in events))
    (tmp_path / "kpis").mkdir()
    (tmp_path / "kpis" / "A_PM.csv").write_text(
        "START_TIME,MO_ID,MO_CLASS,LAT_MS\n2026-10-02T22:45:00Z,PON,pon_port,10\n")
    with warehouse.connect(settings) as con:
        ingest.ingest_many(con, [(ingest.source("alarms"), tmp_path / "alarms" / "alarms.jsonl"),
                                 (ingest.source("kpis"), tmp_path / "kpis" / "A_PM.csv")], "t")


def _fault_days(con) -> list[tuple]:
    return warehouse.rows(con, "select service_id, cast(date as varchar), fault_minutes "
                               "from core.service_fault_days order by all")


def test_a_pool_member_counts_once_however_many_of_its_alarms_overlap(settings, tmp_path,
                                                                      models):
    # two alarms on DNS1 at once, none on DNS2: one resolver of the 1-of-2 pool is down, so the
    # pool is not (the n-of-m rule counts members, not alarms: pool_outages in macros.sql)
    _load_alarms(settings, tmp_path,
                 _alarm("A1", "DNS1", "2026-10-02T10:00:00Z", "2026-10-02T11:00:00Z")
                 + _alarm("A2", "DNS1", "2026-10-02T10:15:00Z", "2026-10-02T10:45:00Z")
                 + _alarm("B1", "DNS2", "2026-10-02T10:30:00Z", "2026-10-02T10:40:00Z"))
    with warehouse.connect(settings) as con:
        transform.build(con, model_graph(), full=True)
        # both down only 10:30-10:45 on the PM grid (B1 snapped outwards), whatever A2 does
        assert _fault_days(con) == [("CFS-1", "2026-10-02", 15.0)]


def test_the_cell_share_threshold_is_the_incident_models_parameter(settings, tmp_path, models):
    # the site's backhaul L3 fails: CFS-2 has all its traffic behind it, CFS-3 10 %
    _load_alarms(settings, tmp_path,
                 _alarm("BACKHAUL", "L3", "2026-10-02T14:00:00Z", "2026-10-02T14:20:00Z"))
    with warehouse.connect(settings) as con:
        flow.build_marts(con, params=Params(cell_share_min=0.05))
        assert warehouse.scalar(con, "select cell_share_min from core.impact_params") == 0.05
        assert [d[0] for d in _fault_days(con)] == ["CFS-2", "CFS-3"]
        # back to the default (30 %): the values changed, not the SQL, and every day is rebuilt
        assert flow.build_marts(con, params=Params()).mode == "full"
        assert [d[0] for d in _fault_days(con)] == ["CFS-2"]
