"""The ground truth agrees with the sources, and the manifest with the files."""

from __future__ import annotations

import json
from collections import Counter

import polars as pl

from .conftest import csv_rows

KPI_A = {"required": ("START_TIME", "MO_ID"), "reference": "MO_ID",
         "numeric": ("DL_THP_MBPS", "UTIL_PCT", "LAT_MS", "JITTER_MS", "PKT_LOSS_PCT",
                     "UNAVAIL_S")}
KPI_B = {"required": ("PERIOD_START_TIME", "DN"), "reference": "DN",
         "numeric": ("THRPUT_DL_KBPS", "LOAD_PERMILLE", "AVG_RTT_US", "JITTER_US", "LOSS_RATIO",
                     "AVAIL_PCT")}
TICKETS = {"required": ("ticket_id", "customer_id", "created_at"), "reference": "customer_id",
           "numeric": ()}
SURVEYS = {"required": ("response_id", "customer_id", "score"), "reference": "customer_id",
           "numeric": ("score",)}
CUSTOMERS = {"required": ("customer_id", "segment", "region"), "reference": None,
             "numeric": ("monthly_charges_eur",)}


def _rows_in(path) -> int:
    if path.suffix == ".parquet":
        return pl.read_parquet(path).height
    lines = len(path.read_text().splitlines())
    return lines - 1 if path.suffix == ".csv" else lines


def test_manifest_counts_equal_the_rows_in_every_file(dirty_world):
    manifest = dirty_world.manifest()
    files = manifest["files"]
    data_files = {p.relative_to(dirty_world.path).as_posix()
                  for folder in ("customers", "services", "kpis", "alarms", "usage", "tickets",
                                 "surveys") for p in (dirty_world.path / folder).rglob("*.*")}
    assert set(files) == data_files
    for name, entry in files.items():
        assert _rows_in(dirty_world.path / name) == entry["rows"], name
        assert entry["dirty_rows"] == sum(entry["dirt"].values())
    assert manifest["dirty_rows_total"] > 0
    entities = manifest["entities"]
    assert entities["customers"] == dirty_world.customers().height - files[
        "customers/customers.csv"]["dirty_rows"]
    late = [f for f in files if f.endswith("_late.csv")]
    assert len(late) == 1 and files[late[0]]["late_rows"] == files[late[0]]["rows"] > 0


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_dirt(path, spec, known: set[str], separator=",") -> Counter:
    header, rows = csv_rows(path, separator)
    found, seen = Counter(), set()
    for row in rows:
        if len(row) != len(header):
            found["malformed_field_count"] += 1
            continue
        field = dict(zip(header, row, strict=True))
        if any(field[c] == "" for c in spec["required"]):
            found["null_required"] += 1
        elif any(field[c] != "" and not _is_number(field[c]) for c in spec["numeric"]):
            found["non_numeric"] += 1
        elif spec["reference"] and field[spec["reference"]] not in known:
            found["unknown_reference"] += 1
        elif tuple(row) in seen:  # an exact copy of a row that is otherwise fine
            found["duplicate"] += 1
        else:
            seen.add(tuple(row))
    return found


def test_every_dirty_csv_row_is_counted_by_kind(dirty_world):
    files = dirty_world.manifest()["files"]
    resources = set(dirty_world.resources()["resource_id"])
    customers = set(dirty_world.customers()["customer_id"])
    checks = [("kpis/vendor_a", KPI_A, resources, ","),
              ("kpis/vendor_b", KPI_B, {f"NE={r}" for r in resources}, ";"),
              ("tickets", TICKETS, customers, ","), ("surveys", SURVEYS, customers, ","),
              ("customers", CUSTOMERS, customers, ",")]
    kinds_seen = Counter()
    for folder, spec, known, separator in checks:
        for path in sorted((dirty_world.path / folder).glob("*.csv")):
            name = path.relative_to(dirty_world.path).as_posix()
            found = _csv_dirt(path, spec, known, separator)
            assert dict(found) == files[name]["dirt"], name
            kinds_seen.update(found)
    assert set(kinds_seen) == {"malformed_field_count", "duplicate", "null_required",
                               "non_numeric", "unknown_reference"}


def test_every_dirty_json_and_parquet_row_is_counted_by_kind(dirty_world):
    files = dirty_world.manifest()["files"]
    customers = set(dirty_world.customers()["customer_id"])
    found = Counter()
    for line in (dirty_world.path / "services" / "services.jsonl").read_text().splitlines():
        try:
            service = json.loads(line)
        except json.JSONDecodeError:
            found["malformed_json"] += 1
            continue
        if service["id"] is None:
            found["null_required"] += 1
        elif service["category"] == "CFS" and service["relatedParty"][0]["partyOrPartyRole"][
                "id"] not in customers:
            found["unknown_reference"] += 1
    lines = (dirty_world.path / "services" / "services.jsonl").read_text().splitlines()
    found["duplicate"] = len(lines) - len(set(lines))
    expected = files["services/services.jsonl"]["dirt"]
    assert {k: v for k, v in found.items() if v} == expected
    services = set()
    for line in lines:
        try:
            services.add(json.loads(line)["id"])
        except json.JSONDecodeError:
            continue
    usage_dirt = Counter()
    for path in sorted((dirty_world.path / "usage").glob("*.parquet")):
        frame = pl.read_parquet(path)
        counts = Counter(
            duplicate=frame.height - frame.unique().height,
            null_required=frame["service_id"].null_count(),
            unknown_reference=int((~frame["service_id"].drop_nulls().is_in(list(services)))
                                  .sum()),
            negative_value=int((frame["data_volume_mb"] < 0).sum()))
        name = path.relative_to(dirty_world.path).as_posix()
        assert {k: v for k, v in counts.items() if v} == files[name]["dirt"], name
        usage_dirt.update(counts)
    assert all(usage_dirt[k] > 0 for k in ("duplicate", "null_required", "unknown_reference"))


def test_every_dirty_alarm_event_is_counted_by_kind(dirty_world):
    files = dirty_world.manifest()["files"]
    resources = set(dirty_world.resources()["resource_id"])
    total = Counter()
    for path in sorted((dirty_world.path / "alarms").glob("*.jsonl")):
        found, seen = Counter(), set()
        for line in path.read_text().splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                found["malformed_json"] += 1
                continue
            obj = event["event"]["alarm"]["alarmedObject"]
            obj = obj[0] if isinstance(obj, list) else obj
            if event["eventTime"] is None:
                found["null_required"] += 1
            elif obj["id"] not in resources:
                found["unknown_reference"] += 1
            elif line in seen:
                found["duplicate"] += 1
            seen.add(line)
        name = path.relative_to(dirty_world.path).as_posix()
        assert {k: v for k, v in found.items() if v} == files[name]["dirt"], name
        total.update(found)
    assert sum(total.values()) > 0


def test_truth_services_and_incidents_exist_in_the_sources(world):
    services = {s["id"]: s for s in world.services()}
    impacts = pl.read_parquet(world.truth / "incident_services.parquet")
    incidents = world.incidents()
    assert impacts.height > 0
    assert set(impacts["service_id"]) <= set(services)
    assert set(impacts["incident_id"]) <= set(incidents["incident_id"])
    assert set(impacts["impact"]) <= {"outage", "degradation"}
    assert impacts["impact_minutes"].min() >= 1 and impacts["impact_minutes"].max() <= 1440
    impacting = set(incidents.filter(pl.col("customer_impacting"))["incident_id"])
    assert impacting == set(impacts["incident_id"])
    absorbed = incidents.filter(pl.col("variant").is_in(["absorbed", "protected_uplink"]))
    assert not absorbed["customer_impacting"].any()
    days = pl.read_parquet(world.truth / "service_day_impact.parquet")
    covered = impacts.select("service_id", "date").unique().join(
        days, on=["service_id", "date"], how="anti")
    assert covered.height == 0
    assert "congestion" in set(days["cause"]) or "chronic_congestion" in set(days["cause"])


def test_fixed_outage_impact_lands_on_services_behind_the_affected_ports(world):
    services = {s["id"]: s for s in world.services() if s["category"] == "CFS"}
    resources = pl.read_csv(world.truth / "incident_resources.csv")
    impacts = pl.read_parquet(world.truth / "incident_services.parquet").join(
        world.incidents().select("incident_id", "kind"), on="incident_id")
    fixed_kinds = ["fibre_cut", "equipment_failure", "planned_maintenance"]
    checked = 0
    for (incident,), rows in impacts.filter(pl.col("kind").is_in(fixed_kinds)).group_by(
            "incident_id"):
        affected = set(resources.filter(pl.col("incident_id") == incident)["resource_id"])
        for service_id in rows["service_id"].unique():
            access = services[service_id]["supportingService"][0]["supportingResource"]
            assert {r["id"] for r in access} & affected, (incident, service_id)
            checked += 1
    assert checked > 0


def test_churned_customers_leave_with_all_their_services(world):
    churn = pl.read_csv(world.truth / "churn.csv", try_parse_dates=True)
    customers = world.customers()
    status = dict(customers.select("customer_id", "status").iter_rows())
    churn_date = dict(churn.select("customer_id", "churn_date").iter_rows())
    assert churn.height > 0
    assert {status[c] for c in churn_date} == {"terminated"}
    assert sum(s == "terminated" for s in status.values()) == churn.height
    assert set(churn["main_cause"]) <= {"tenure", "contract", "price", "outage",
                                        "poor_experience", "ticket_friction", "other"}
    assert (churn["network_caused"] == churn["main_cause"].is_in(
        ["outage", "poor_experience"])).all()
    ended = {}
    for service in world.services():
        if service["category"] != "CFS":
            continue
        customer = service["relatedParty"][0]["partyOrPartyRole"]["id"]
        if customer in churn_date:
            assert service["state"] == "terminated"
            assert service["endDate"] == f"{churn_date[customer]}T00:00:00Z"
            ended[service["id"]] = churn_date[customer]
        else:
            assert service["state"] == "active" and service["endDate"] is None
    usage = pl.concat([pl.read_parquet(p) for p in (world.path / "usage").glob("*.parquet")])
    after = usage.join(pl.DataFrame({"service_id": list(ended), "end": list(ended.values())}),
                       on="service_id").filter(pl.col("date") >= pl.col("end"))
    assert after.height == 0
