"""Foreign PM exports onboarded with one mapping file each, no code: the shapes real OSS
tools write (Ericsson ENM counter CSV with pmXxx counters and 3GPP distinguished names, Nokia
NetAct report with month-first times and N/A, Huawei PRS with a preamble, a units row and NIL,
a ZTE export saved by Excel with a byte-order mark, CRLF, trailing empty columns, AM/PM times,
"1,234", "63.5%", #DIV/0! and a Total row, a 5G NR cell export, tab-separated with ISO times
and 3GPP TS 28.552 counters, and an OLT's PON-port export with a preamble, decimal commas,
"1 234,5" and NULL). Each is loaded by one run with its mapping and checked value by value in
stg.kpi_15min; the suggestion ``cxbridge sources check`` prints for each unknown header loads
its whole sample; what cannot be read is quarantined with the reason, never read wrong."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from cxbridge.jobs import flow
from cxbridge.platform import warehouse
from cxbridge.platform.ingest import source
from cxbridge.platform.ingest.mappings import MappingError, builtin_mappings, load_mappings
from cxbridge.platform.ingest.sample_check import check_sample

BOM = "\ufeff"

ERICSSON = (
    'begin_time,end_time,MOID,pmPdcpVolDlDrb,pmPdcpVolDlDrbLastTTI,pmUeThpTimeDl,'
    'pmPrbUsedDlDtch,pmPrbAvailDl,pmRrcConnEstabAtt,pmRrcConnEstabSucc,'
    'pmErabRelAbnormalEnbAct,pmCellDowntimeAuto,pmCellDowntimeMan,pmRrcConnLevSum,'
    'pmRrcConnLevSamp,pmHoExeSuccLteIntraF\n'
    '2019-10-01T13:30:00+01:00,2019-10-01T13:45:00+01:00,"SubNetwork=ONRM_ROOT_MO,SubNetwork=LTE_DUB,'
    'MeContext=ERBS0101,ManagedElement=1,ENodeBFunction=1,EUtranCellFDD=ERBS0101_1",'
    '1250000,50000,40000,2250000,4500000,420,418,3,0,0,3600,180,57\n'
    '2019-10-01T13:30:00+01:00,2019-10-01T13:45:00+01:00,"SubNetwork=ONRM_ROOT_MO,SubNetwork=LTE_DUB,'
    'MeContext=ERBS0101,ManagedElement=1,ENodeBFunction=1,EUtranCellFDD=ERBS0101_2",'
    '0,0,0,0,4500000,12,12,0,300,120,360,180,0\n'
    '2019-10-01T13:45:00+01:00,2019-10-01T14:00:00+01:00,"SubNetwork=ONRM_ROOT_MO,SubNetwork=LTE_DUB,'
    'MeContext=ERBS0101,ManagedElement=1,ENodeBFunction=1,EUtranCellFDD=ERBS0101_1",'
    '980000,20000,32000,1800000,4500000,380,377,1,0,,3960,180,41\n'
    '2019-10-01T13:45:00+01:00,2019-10-01T14:00:00+01:00,"SubNetwork=ONRM_ROOT_MO,SubNetwork=LTE_CRK,'
    'MeContext=ERBS0207,ManagedElement=1,ENodeBFunction=1,EUtranCellFDD=ERBS0207_3",'
    '640000,40000,24000,900000,4500000,200,190,0,,,1800,180,12\n'
)

NOKIA = (
    "PERIOD_START_TIME;MRBTS name;LNBTS name;LNCEL name;DN;Cell Avail excl BLU (LTE_5239a);"
    "Perc DL PRB Util (LTE_5276b);Avg PDCP cell thp DL (LTE_5289d);RRC_CONN_STP_ATT (M8013C17);"
    "SIGN_CONN_ESTAB_COMP (M8013C5);ERAB_REL_ENB_ACT_ABNORM (M8006C178);"
    "Avg act UEs DL (LTE_5801a);E-RAB DR RAN (LTE_5025h)\n"
    "10/01/2019 13:00:00;MRBTS-101;DUB101;DUB101_A;PLMN-PLMN/MRBTS-101/LNBTS-101/LNCEL-11;"
    "100;45.25;24530.5;1450;1447;4;12.4;0.28\n"
    "10/01/2019 13:00:00;MRBTS-101;DUB101;DUB101_B;PLMN-PLMN/MRBTS-101/LNBTS-101/LNCEL-12;"
    "75;N/A;-;980;975;2;8.1;0.2\n"
    "10/01/2019 14:00:00;MRBTS-101;DUB101;DUB101_A;PLMN-PLMN/MRBTS-101/LNBTS-101/LNCEL-11;"
    "99.5;52.5;21000;1600;1590;5;14.6;0.31\n"
    "10/01/2019 14:00:00;MRBTS-101;DUB101;DUB101_B;PLMN-PLMN/MRBTS-101/LNBTS-101/LNCEL-12;"
    "100;38;18250.25;1010;1004;1;9.2;0.1\n"
)

_HW_NAME = "eNodeB Function Name=GAL205, Local Cell ID={n}, Cell Name=GAL205-{n}"
HUAWEI = (
    "Report Name,LTE Cell Hourly KPI\n"
    "Object Type,EUtranCell\n"
    "Time Range,2019-10-01 13:00 to 2019-10-01 15:00\n"
    "\n"
    '"Result Time","Granularity Period","Object Name","Reliability","L.Thrp.bits.DL(bit)",'
    '"L.Thrp.Time.DL(ms)","L.ChMeas.PRB.DL.Used.Avg","L.ChMeas.PRB.DL.Avail",'
    '"L.Traffic.User.Avg","L.RRC.ConnReq.Att","L.RRC.ConnReq.Succ","L.E-RAB.AbnormRel",'
    '"L.Cell.Unavail.Dur.Sys(s)","L.Traffic.DL.SCH.QPSK.ErrTB.Ibler"\n'
    '"","Minutes","","","bit","ms","None","None","None","None","None","None","s","None"\n'
    f'"2019-10-01 13:00","60","{_HW_NAME.format(n=1)}","Reliable","90000000000","3600000",'
    '"20.5","100","31.25","5210","5203","6","0","12"\n'
    f'"2019-10-01 13:00","60","{_HW_NAME.format(n=2)}","Reliable","NIL","NIL","NIL","100",'
    '"NIL","300","299","0","1800","NIL"\n'
    f'"2019-10-01 14:00","60","{_HW_NAME.format(n=1)}","Reliable","72000000000","3600000",'
    '"35","100","40.4","6010","6000","9","0","15"\n'
)

ZTE = BOM + (
    "Begin Time,End Time,Granularity,SubNetwork,ME Name,Cell Name,"
    "RRC Connection Establishment Attempts,RRC Connection Establishment Success,"
    "E-RAB Abnormal Release Number,Cell Downlink Average Throughput(Mbps),"
    "Downlink PRB Utilization(%),Cell Unavailable Duration(s),"
    "Average Number of RRC Connected Users,RRC Setup Success Rate,,\r\n"
    '10/1/2019 1:30:00 PM,10/1/2019 1:45:00 PM,15,SubNetwork=410,CRK0207,CRK0207-2,"1,234",'
    '"1,230",3,42.75,63.5%,0,18.2,99.68%,,\r\n'
    "10/1/2019 1:30:00 PM,10/1/2019 1:45:00 PM,15,SubNetwork=410,CRK0207,CRK0207-3,0,0,0,"
    "#DIV/0!,0%,900,0,#DIV/0!,,\r\n"
    '10/1/2019 1:45:00 PM,10/1/2019 2:00:00 PM,15,SubNetwork=410,CRK0207,CRK0207-2,"1,100",'
    '"1,098",1,40.5,61.25%,,17.8,99.82%,,\r\n'
    '10/1/2019 1:45:00 PM,10/1/2019 2:00:00 PM,15,SubNetwork=410,CRK0207,CRK0207-3,"2,015",'
    '"2,011",2,"1,032.5",71%,0,21.3,99.80%,,\r\n'
    'Total,,,,,,"4,349","4,339",6,,,,,,,\r\n'
)

NR = (
    "startTime\tendTime\tmeasObjLdn\tDRB.UEThpDl\tDRB.UEThpUl\tRRU.PrbTotDl\t"
    "RRC.ConnEstabAtt\tRRC.ConnEstabSucc\tRRC.ConnMean\tDRB.RlcSduDelayDl\tCARR.AverageLayersDl\n"
    "2019-10-01T12:30:00.000Z\t2019-10-01T12:45:00.000Z\t"
    "ManagedElement=gNB0301,GNBDUFunction=1,NRCellDU=1\t185432.5\t22100.0\t37.5\t812\t810\t"
    "44.2\t85\t2.8\n"
    "2019-10-01T12:30:00.000Z\t2019-10-01T12:45:00.000Z\t"
    "ManagedElement=gNB0302,GNBDUFunction=1,NRCellDU=1\t96000\t15000\t81.25\t1500\t1470\t"
    "102.6\t240\t2.1\n"
    "2019-10-01T12:45:00.000Z\t2019-10-01T13:00:00.000Z\t"
    "ManagedElement=gNB0301,GNBDUFunction=1,NRCellDU=1\t201000\t23050.5\t40\t790\t790\t"
    "46.9\t80\t2.9\n"
    "2019-10-01T12:45:00.000Z\t2019-10-01T13:00:00.000Z\t"
    "ManagedElement=gNB0302,GNBDUFunction=1,NRCellDU=1\t\t\t\t0\t0\t0\t\t\n"
)

OLT = (
    "Performance Report\n"
    "NE Type: MA5800-X17\n"
    "Task: PON port hourly\n"
    "Exported: 02.10.2019 08:00\n"
    "\n"
    "Start Time;End Time;Monitored Object;Online ONT Number;Downstream Traffic(Mbps);"
    "Upstream Traffic(Mbps);Downstream Bandwidth Utilization(%);Port Unavailable Time(s);"
    "Optical Rx Power(dBm);Upstream BIP Errors\n"
    "01.10.2019 13:00;01.10.2019 14:00;OLT-DUB-01/Frame:0/Slot:1/Port:3;58;1 234,5;210,25;"
    "49,38;0;-21,4;0\n"
    "01.10.2019 13:00;01.10.2019 14:00;OLT-DUB-01/Frame:0/Slot:1/Port:4;0;NULL;NULL;NULL;"
    "3 600;-40;NULL\n"
    "01.10.2019 14:00;01.10.2019 15:00;OLT-DUB-01/Frame:0/Slot:1/Port:3;57;2 047,75;250,5;"
    "81,91;0;-21,5;12\n"
    "01.10.2019 14:00;01.10.2019 15:00;OLT-DUB-01/Frame:0/Slot:2/Port:3;12;97,5;10;3,9;0;"
    "-19,75;#DIV/0!\n"
)


EXPORTS = {"ericsson_enm.csv": ERICSSON, "nokia_netact.csv": NOKIA, "huawei_prs.csv": HUAWEI,
           "zte_excel.csv": ZTE, "nr_cells.tsv": NR, "olt_pon.csv": OLT}

# the mapping file an operator saves for each: the suggestion, with the time zone of naive
# times set (and the NR delay counter's unit, 0.1 ms, put right)
MAPPINGS = {
    "ericsson_enm.csv": """\
vendor: Ericsson
match: ["begin_time", "MOID", "pmPdcpVolDlDrb"]
timestamp: {column: "begin_time"}
resource_id: {column: "MOID", pattern: "EUtranCellFDD=([^,]+)"}
resource_type: {value: cell}
counters:
  dl_throughput_mbps: {column: pmPdcpVolDlDrb, minus: pmPdcpVolDlDrbLastTTI, per: pmUeThpTimeDl}
  utilisation_pct: {column: pmPrbUsedDlDtch, per: pmPrbAvailDl, scale: 100}
  sessions: {column: pmRrcConnLevSum, per: pmRrcConnLevSamp}
  access_attempts: {column: pmRrcConnEstabAtt}
  access_successes: {column: pmRrcConnEstabSucc}
  drops: {column: pmErabRelAbnormalEnbAct}
  unavailable_s: {column: [pmCellDowntimeAuto, pmCellDowntimeMan]}
""",
    "nokia_netact.csv": """\
vendor: Nokia
match: ["PERIOD_START_TIME", "LNCEL name", "Cell Avail excl BLU (LTE_5239a)"]
separator: ";"
null_values: ["N/A", "-"]
timestamp: {column: PERIOD_START_TIME, format: "%m/%d/%Y %H:%M:%S"}
time_zone: Europe/Dublin
interval_minutes: 60
resource_id: {column: "LNCEL name"}
resource_type: {value: cell}
counters:
  unavailable_s: {column: "Cell Avail excl BLU (LTE_5239a)", of_interval: available_pct}
  utilisation_pct: {column: "Perc DL PRB Util (LTE_5276b)"}
  dl_throughput_mbps: {column: "Avg PDCP cell thp DL (LTE_5289d)", scale: 0.001}
  access_attempts: {column: "RRC_CONN_STP_ATT (M8013C17)"}
  access_successes: {column: "SIGN_CONN_ESTAB_COMP (M8013C5)"}
  drops: {column: "ERAB_REL_ENB_ACT_ABNORM (M8006C178)"}
  sessions: {column: "Avg act UEs DL (LTE_5801a)"}
""",
    "huawei_prs.csv": """\
vendor: Huawei
match: ["Result Time", "Object Name", "L.Thrp.bits.DL(bit)"]
header_row: 5
null_values: ["NIL"]
units_row: true
timestamp: {column: "Result Time", format: "%Y-%m-%d %H:%M"}
time_zone: Europe/Dublin
interval_minutes: {column: "Granularity Period"}
resource_id: {column: "Object Name", pattern: "Cell Name=([^,]+)"}
resource_type: {value: cell}
counters:
  dl_throughput_mbps: {column: "L.Thrp.bits.DL(bit)", per: "L.Thrp.Time.DL(ms)", scale: 0.001}
  utilisation_pct: {column: "L.ChMeas.PRB.DL.Used.Avg", per: "L.ChMeas.PRB.DL.Avail", scale: 100}
  sessions: {column: "L.Traffic.User.Avg"}
  access_attempts: {column: "L.RRC.ConnReq.Att"}
  access_successes: {column: "L.RRC.ConnReq.Succ"}
  drops: {column: "L.E-RAB.AbnormRel"}
  unavailable_s: {column: "L.Cell.Unavail.Dur.Sys(s)"}
""",
    "zte_excel.csv": """\
vendor: ZTE
match: ["Begin Time", "Cell Name", "RRC Connection Establishment Attempts"]
separator: ","
thousands: ","
value_suffixes: ["%"]
null_values: ["#DIV/0!"]
footer_rows: 1
timestamp: {column: "Begin Time", format: "%m/%d/%Y %I:%M:%S %p"}
time_zone: Europe/Dublin
interval_minutes: {column: Granularity}
resource_id: {column: "Cell Name"}
resource_type: {value: cell}
counters:
  access_attempts: {column: "RRC Connection Establishment Attempts"}
  access_successes: {column: "RRC Connection Establishment Success"}
  drops: {column: "E-RAB Abnormal Release Number"}
  dl_throughput_mbps: {column: "Cell Downlink Average Throughput(Mbps)"}
  utilisation_pct: {column: "Downlink PRB Utilization(%)"}
  unavailable_s: {column: "Cell Unavailable Duration(s)"}
  sessions: {column: "Average Number of RRC Connected Users"}
""",
    "nr_cells.tsv": """\
vendor: NR
match: ["startTime", "measObjLdn", "DRB.UEThpDl"]
separator: tab
timestamp: {column: startTime}
resource_id: {column: measObjLdn, pattern: "ManagedElement=([^,]+).*NRCellDU=([^,]+)", join: "-"}
resource_type: {value: cell}
counters:
  dl_throughput_mbps: {column: DRB.UEThpDl, scale: 0.001}
  utilisation_pct: {column: RRU.PrbTotDl}
  access_attempts: {column: RRC.ConnEstabAtt}
  access_successes: {column: RRC.ConnEstabSucc}
  sessions: {column: RRC.ConnMean}
  latency_ms: {column: DRB.RlcSduDelayDl, scale: 0.1}
""",
    "olt_pon.csv": """\
vendor: OLT
match: ["Start Time", "Monitored Object", "Online ONT Number"]
header_row: 6
separator: ";"
decimal: ","
thousands: space
null_values: ["NULL", "#DIV/0!"]
timestamp: {column: "Start Time", format: "%d.%m.%Y %H:%M"}
time_zone: Europe/Dublin
interval_minutes: 60
resource_id: {column: "Monitored Object"}
resource_type: {value: pon_port}
counters:
  sessions: {column: "Online ONT Number"}
  dl_throughput_mbps: {column: "Downstream Traffic(Mbps)"}
  utilisation_pct: {column: "Downstream Bandwidth Utilization(%)"}
  unavailable_s: {column: "Port Unavailable Time(s)"}
""",
}

COUNTERS = ("dl_throughput_mbps", "utilisation_pct", "latency_ms", "unavailable_s",
            "access_attempts", "access_successes", "drops", "sessions")
N = None
# (resource, UTC start) → minutes, then COUNTERS in order; worked out by hand from the rows
# above (Irish summer time is UTC+1 on 1 October 2019; Ericsson's times carry +01:00)
EXPECTED = {
    "ericsson_enm.csv": {
        ("ERBS0101_1", "12:30"): (15, 30.0, 50.0, N, 0.0, 420, 418, 3, 20),  # 1,200,000 kbit
        ("ERBS0101_2", "12:30"): (15, N, 0.0, N, 420.0, 12, 12, 0, 2),  # no time: not measured
        ("ERBS0101_1", "12:45"): (15, 30.0, 40.0, N, 0.0, 380, 377, 1, 22),
        ("ERBS0207_3", "12:45"): (15, 25.0, 20.0, N, N, 200, 190, 0, 10),  # no downtime given
    },
    "nokia_netact.csv": {
        ("DUB101_A", "12:00"): (60, 24.5305, 45.25, N, 0.0, 1450, 1447, 4, 12),
        ("DUB101_B", "12:00"): (60, N, N, N, 900.0, 980, 975, 2, 8),  # 75 % of an hour up
        ("DUB101_A", "13:00"): (60, 21.0, 52.5, N, 18.0, 1600, 1590, 5, 15),
        ("DUB101_B", "13:00"): (60, 18.25025, 38.0, N, 0.0, 1010, 1004, 1, 9),
    },
    "huawei_prs.csv": {
        ("GAL205-1", "12:00"): (60, 25.0, 20.5, N, 0.0, 5210, 5203, 6, 31),
        ("GAL205-2", "12:00"): (60, N, N, N, 1800.0, 300, 299, 0, N),
        ("GAL205-1", "13:00"): (60, 20.0, 35.0, N, 0.0, 6010, 6000, 9, 40),
    },
    "zte_excel.csv": {
        ("CRK0207-2", "12:30"): (15, 42.75, 63.5, N, 0.0, 1234, 1230, 3, 18),
        ("CRK0207-3", "12:30"): (15, N, 0.0, N, 900.0, 0, 0, 0, 0),
        ("CRK0207-2", "12:45"): (15, 40.5, 61.25, N, N, 1100, 1098, 1, 18),
        ("CRK0207-3", "12:45"): (15, 1032.5, 71.0, N, 0.0, 2015, 2011, 2, 21),
    },
    "nr_cells.tsv": {
        ("gNB0301-1", "12:30"): (15, 185.4325, 37.5, 8.5, N, 812, 810, N, 44),
        ("gNB0302-1", "12:30"): (15, 96.0, 81.25, 24.0, N, 1500, 1470, N, 103),
        ("gNB0301-1", "12:45"): (15, 201.0, 40.0, 8.0, N, 790, 790, N, 47),
        ("gNB0302-1", "12:45"): (15, N, N, N, N, 0, 0, N, 0),
    },
    "olt_pon.csv": {
        ("OLT-DUB-01/Frame:0/Slot:1/Port:3", "12:00"): (60, 1234.5, 49.38, N, 0.0, N, N, N, 58),
        ("OLT-DUB-01/Frame:0/Slot:1/Port:4", "12:00"): (60, N, N, N, 3600.0, N, N, N, 0),
        ("OLT-DUB-01/Frame:0/Slot:1/Port:3", "13:00"): (60, 2047.75, 81.91, N, 0.0, N, N, N, 57),
        ("OLT-DUB-01/Frame:0/Slot:2/Port:3", "13:00"): (60, 97.5, 3.9, N, 0.0, N, N, N, 12),
    },
}
# extra counters kept as they came, for some rows: (file, resource, UTC start) → values
EXTRAS = {
    ("ericsson_enm.csv", "ERBS0101_1", "12:30"): {"pmHoExeSuccLteIntraF": 57.0},
    ("zte_excel.csv", "CRK0207-2", "12:30"): {"RRC Setup Success Rate": 99.68},
    ("zte_excel.csv", "CRK0207-3", "12:30"): {"RRC Setup Success Rate": None},
    ("nr_cells.tsv", "gNB0301-1", "12:30"): {"DRB.UEThpUl": 22100.0,
                                             "CARR.AverageLayersDl": 2.8},
    ("olt_pon.csv", "OLT-DUB-01/Frame:0/Slot:1/Port:3", "12:00"): {
        "Upstream Traffic(Mbps)": 210.25, "Optical Rx Power(dBm)": -21.4,
        "Upstream BIP Errors": 0.0},
    ("olt_pon.csv", "OLT-DUB-01/Frame:0/Slot:1/Port:4", "12:00"): {
        "Upstream Traffic(Mbps)": None, "Optical Rx Power(dBm)": -40.0,
        "Upstream BIP Errors": None},
}


def _raw(tmp_path: Path, exports: dict[str, str], mappings: dict[str, str]) -> Path:
    """A raw folder with the exports under kpis/ and their mapping files in _mappings/."""
    raw = tmp_path / "raw"
    (raw / "kpis").mkdir(parents=True)
    (raw / "_mappings" / "kpis").mkdir(parents=True)
    for name, text in exports.items():
        (raw / "kpis" / name).write_bytes(text.encode("utf-8"))
    for name, text in mappings.items():
        stem = name.split(".")[0]
        (raw / "_mappings" / "kpis" / f"{stem}.yaml").write_text(text, encoding="utf-8")
    return raw


def _at(hhmm: str) -> datetime:
    return datetime.fromisoformat(f"2019-10-01 {hhmm}")


def test_six_foreign_exports_load_value_by_value(settings, tmp_path):
    summary = flow.run(settings, _raw(tmp_path, EXPORTS, MAPPINGS))
    results = {Path(f.path).name: f for f in summary.files}
    for name, rows in EXPECTED.items():
        result = results[name]
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (
            len(rows), len(rows), 0), (name, result)
    with warehouse.connect(settings) as con:
        loaded = warehouse.query(con, "select * from stg.kpi_15min").to_dicts()
    found = {(r["resource_id"], r["interval_start"]): r for r in loaded}
    assert len(found) == sum(map(len, EXPECTED.values()))
    for name, rows in EXPECTED.items():
        for (resource, start), (minutes, *values) in rows.items():
            row = found[(resource, _at(start))]
            assert (row["interval_minutes"] or 15) == minutes, (name, resource, start)
            for counter, value in zip(COUNTERS, values, strict=True):
                got = row[counter]
                assert (got is None) if value is None else got == pytest.approx(value), (
                    name, resource, start, counter, got, value)
    for (name, resource, start), extras in EXTRAS.items():
        kept = json.loads(found[(resource, _at(start))]["extra_counters"] or "{}")
        for column, value in extras.items():
            assert kept.get(column) == (None if value is None else pytest.approx(value)), (
                name, column, kept)


@pytest.mark.parametrize("name", list(EXPORTS))
def test_the_suggestion_for_each_unknown_header_loads_its_sample(name, tmp_path):
    path = tmp_path / name
    path.write_bytes(EXPORTS[name].encode("utf-8"))
    report = check_sample(source("kpis"), path, builtin_mappings())
    assert report.suggestion and report.suggestion_result == (len(EXPECTED[name]),) * 2, (
        report.suggestion, report.notes)


def test_what_does_not_read_is_quarantined_with_its_line_never_read_wrong(settings, tmp_path):
    """A number not grouped by three is no number ("1,23" is not 123), a marker the mapping
    does not list is no value it guesses, and a line number is the file's own (the preamble
    and the units row counted)."""
    zte = ZTE.replace('"1,230"', '"1,23"')
    huawei = HUAWEI.replace('"20.5"', '"n.a."')
    summary = flow.run(settings, _raw(tmp_path, {"zte_excel.csv": zte, "huawei_prs.csv": huawei},
                                      MAPPINGS))
    results = {Path(f.path).name: f for f in summary.files}
    assert (results["zte_excel.csv"].rows_read, results["zte_excel.csv"].rows_loaded) == (4, 3)
    assert (results["huawei_prs.csv"].rows_read, results["huawei_prs.csv"].rows_loaded) == (3, 2)
    with warehouse.connect(settings) as con:
        held = {r["reason"]: r["line"] for r in warehouse.query(
            con, "select * from meta.quarantine").to_dicts()}
    zte_reason = next(r for r in held if "1,23" in r)
    assert "access_successes" in zte_reason and held[zte_reason] == 2
    hw_reason = next(r for r in held if "n.a." in r)
    assert "L.ChMeas.PRB.DL.Used.Avg" in hw_reason and held[hw_reason] == 7


def test_an_export_sharing_a_builtin_dialects_key_columns_is_not_read_as_it(tmp_path):
    """NetAct's PERIOD_START_TIME and DN are built-in dialect B's match columns, but none of
    B's counters is in the file: no row is read as B (every counter would be missing); the
    check says why and suggests a mapping."""
    path = tmp_path / "nokia_netact.csv"
    path.write_text(NOKIA, encoding="utf-8")
    report = check_sample(source("kpis"), path, builtin_mappings())
    assert report.mapping is None and "none of its counters" in report.problem
    assert report.suggestion_result == (4, 4)


@pytest.mark.parametrize(("change", "message"), [
    ("  sessions: {column: RRC.ConnMean}",
     "  sessions: {column: RRC.ConnMean, of_interval: available_pct}"),
    ('resource_id: {column: measObjLdn, pattern: "ManagedElement=([^,]+).*NRCellDU=([^,]+)", '
     'join: "-"}', "resource_id: {column: measObjLdn, join: \"-\"}"),
    ("separator: tab", "separator: tab\nfooter_rows: -1"),
    ("separator: tab", "separator: tab\nthousands: x"),
    ("separator: tab", "separator: tab\nnull_values: {NULL: 1}"),
])
def test_new_keys_are_checked_with_the_fix(change, message, tmp_path):
    folder = tmp_path / "mappings" / "kpis"
    folder.mkdir(parents=True)
    assert change in MAPPINGS["nr_cells.tsv"]
    (folder / "nr.yaml").write_text(MAPPINGS["nr_cells.tsv"].replace(change, message),
                                    encoding="utf-8")
    with pytest.raises(MappingError, match=r"nr\.yaml: `(counters\.sessions\.of_interval|"
                                           r"resource_id\.join|footer_rows|thousands|"
                                           r"null_values)`.*(allowed|must|add one|belongs)"):
        load_mappings([tmp_path / "mappings"])
