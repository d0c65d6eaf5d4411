"""The planned-work page's figures summed in the snapshot (``planned_summary.sql``) are the
model's own (:func:`~cxbridge.models.whatif.planned.summarise` and ``notify_list`` over every
service read whole, as the export does), on hand-made lookups made to disagree if either
side slips: units that share services, customers with services under several units, SLA
services with and without a breach, a customer without monthly charges, a segment outside the
care order, and customers who tie on minutes (the order falls back to their ids)."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

from cxbridge.dashboards import planned_reader
from cxbridge.dashboards.data_access import SnapshotReader

NOW = datetime(2026, 3, 16, 8)


def _service(unit: str, service: str, customer: str, cfs: str, segment: str,
             charges: float | None, sla: float | None, via: str = "dependency") -> dict:
    return {"unit_id": unit, "service_id": service, "customer_id": customer, "cfs_type": cfs,
            "segment": segment, "via": via, "region": "Munster" if customer < "C5" else "Ulster",
            "monthly_charges_eur": charges, "sla_pct": sla}


UNIT_SERVICES = pl.DataFrame([
    _service("R:OLT1", "S01", "C1", "ftth", "consumer", 40.0, None),
    _service("R:OLT1", "S02", "C1", "iptv", "consumer", 40.0, None),
    _service("R:OLT1", "S03", "C2", "ftth", "smb", 90.0, None),
    _service("R:OLT1", "S04", "C3", "enterprise_vpn", "enterprise", 900.0, 99.99),  # breached
    _service("R:OLT1", "S05", "C4", "ftth", "public_sector", None, None),  # not in the order
    _service("R:AGG1", "S03", "C2", "ftth", "smb", 90.0, None),  # also under OLT1
    _service("R:AGG1", "S06", "C3", "enterprise_vpn", "enterprise", 900.0, 99.0),  # not
    _service("R:AGG1", "S07", "C5", "mobile_data", "consumer", 25.0, None),
    _service("R:AGG1", "S08", "C6", "mobile_data", "enterprise", 300.0, None),
    _service("P:RFS1", "S09", "C7", "mobile_voice", "consumer", 15.0, None, via="pool"),
    _service("P:RFS1", "S01", "C1", "ftth", "consumer", 40.0, None, via="pool"),
], schema_overrides={"monthly_charges_eur": pl.Float64, "sla_pct": pl.Float64}).with_columns(
    # the ids as dense integer keys, as the build numbers them (models/whatif/sql/units.sql)
    service_key=pl.col("service_id").rank("dense").cast(pl.Int32),
    customer_key=pl.col("customer_id").rank("dense").cast(pl.Int32))


def planned_tables() -> dict[str, pl.DataFrame]:
    """The what-if lookups of three units: two resources and the pool both of them make."""
    units = UNIT_SERVICES.group_by("unit_id").agg(
        services=pl.len(), customers=pl.col("customer_id").n_unique()).with_columns(
        resource_id=pl.col("unit_id").str.strip_prefix("R:"), rfs_id=pl.lit(None, pl.String),
        resource_type=pl.lit("olt"), name=pl.lit(None, pl.String), region=pl.lit("Munster"))
    return {
        "units": units,
        "reference": pl.DataFrame({"shares_date": [NOW.date()], "starts": [NOW]}),
        "unit_services": UNIT_SERVICES,
        "pool_members": pl.DataFrame({"rfs_id": ["RFS1", "RFS1"],
                                      "resource_id": ["OLT1", "AGG1"],
                                      "members": [2, 2], "min_up": [1, 1]}),
        "unit_access": pl.DataFrame({"unit_id": ["R:OLT1", "R:AGG1", "P:RFS1"],
                                     "access_id": ["PON1", "CELL1", "CELL1"]}),
        "access_week_profile": pl.DataFrame({
            "access_id": ["PON1"] * 168 + ["CELL1"] * 168,
            "hour_of_week": list(range(168)) * 2,
            "sessions": [float(h % 24 + 1) for h in range(168)] * 2}),
    }


@pytest.fixture
def reader(settings, publish, demo_rows) -> SnapshotReader:
    publish("planned-run", demo_rows, planned_tables())
    return SnapshotReader(settings)


@pytest.mark.parametrize("resources", [["OLT1"], ["AGG1"], ["OLT1", "AGG1"]])
@pytest.mark.parametrize("rows", [1, 3, 12])
@pytest.mark.parametrize("hours", [0.5, 4.0])
def test_the_pages_sums_are_the_models(reader, resources, rows, hours):
    page = planned_reader.planned_view(reader, resources, hours, NOW, notify_rows=rows)
    whole = planned_reader.planned_view(reader, resources, hours, NOW)
    sums = ("monthly_revenue_eur", "service_minutes")  # float sums, in another order
    assert {k: v for k, v in page.summary.items() if k not in sums} == \
        {k: v for k, v in whole.summary.items() if k not in sums}
    for key in sums:
        assert page.summary[key] == pytest.approx(whole.summary[key])
    assert page.notify.equals(whole.notify.head(rows))
    assert page.harm.equals(whole.harm) and page.access_resources == whole.access_resources
    assert page.services.is_empty() and whole.services.height == page.summary["services"]


def test_a_snapshot_without_the_keys_asks_for_a_run(settings, publish, demo_rows):
    tables = planned_tables()
    tables["unit_services"] = UNIT_SERVICES.drop("service_key", "customer_key")
    publish("older-run", demo_rows, tables)
    assert planned_reader.missing(SnapshotReader(settings)) == ["unit_services"]


def test_what_the_sums_hold(reader):
    """Both resources take the pool down too: every service once, the breach of the 99.99 %
    SLA only when the work outlasts its 4.3 minutes a month, the care order."""
    both = planned_reader.planned_view(reader, ["OLT1", "AGG1"], 0.5, NOW, notify_rows=12)
    assert both.summary["services"] == 9 and both.summary["customers"] == 7
    assert both.summary["by_cfs_type"] == {"enterprise_vpn": 2, "ftth": 3, "iptv": 1,
                                           "mobile_data": 2, "mobile_voice": 1}
    assert both.summary["customers_by_segment"] == {"consumer": 3, "enterprise": 2,
                                                    "public_sector": 1, "smb": 1}
    assert both.summary["sla_services"] == 2 and both.summary["sla_breached_services"] == 1
    assert both.summary["monthly_revenue_eur"] == pytest.approx(40 + 90 + 900 + 25 + 300 + 15)
    assert both.summary["service_minutes"] == pytest.approx(9 * 30)
    assert both.notify["customer_id"].to_list() == ["C3", "C6", "C2", "C1", "C4", "C5", "C7"]
    assert both.notify.row(3, named=True) == {
        "customer_id": "C1", "segment": "consumer", "region": "Munster", "services": "S01 S02",
        "cfs_types": "ftth iptv", "minutes": 30.0}
    alone = planned_reader.planned_view(reader, ["AGG1"], 0.5, NOW, notify_rows=12)
    assert alone.summary["services"] == 4  # the pool stays up: one member is left
