"""Pure building blocks on tiny inline inputs: propagation, time, coverage, dirt, inventory."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date

import numpy as np
import polars as pl

from cxbridge.lab.generate.clock import Clock
from cxbridge.lab.generate.dirt import CsvDirtSpec, dirty_csv
from cxbridge.lab.generate.impairments import coverage
from cxbridge.lab.generate.network import build_index
from cxbridge.lab.generate.topology import Topology


def _toy_network() -> Topology:
    """Two ports on an OLT with a protected uplink pair, and a cell on a site with one link."""
    ids = ["AGG", "L1", "L2", "OLT", "P1", "P2", "BH", "SITE", "CELL"]
    kinds = ["agg_router", "transport_link", "transport_link", "olt", "pon_port", "pon_port",
             "transport_link", "site", "cell"]
    resources = pl.DataFrame({"resource_id": ids, "resource_type": kinds,
                              "region": ["Dublin"] * len(ids)}).sort("resource_id")
    links = pl.DataFrame({
        "resource_id": ["L1", "L2", "OLT", "OLT", "P1", "P2", "BH", "SITE", "CELL"],
        "depends_on_id": ["AGG", "AGG", "L1", "L2", "OLT", "OLT", "AGG", "BH", "SITE"],
        "protection_group": [None, None, "PG", "PG", None, None, None, None, None]},
        schema_overrides={"protection_group": pl.String})
    return Topology(resources, links, pl.DataFrame())


def test_failures_propagate_through_unprotected_edges_only():
    net = build_index(_toy_network())

    def behind(*roots: str) -> set[str]:
        return set(net.ids[net.behind(net.index_of(roots))])

    assert behind("L1") == {"L1"}
    assert behind("L1", "L2") == {"L1", "L2", "OLT", "P1", "P2"}
    assert behind("BH") == {"BH", "SITE", "CELL"}
    assert behind("AGG") == set(net.ids)
    assert set(net.ids[net.protection_partners(net.position["L1"])]) == {"L2"}


def test_dublin_local_days_last_23_24_or_25_hours():
    clock = Clock(date(2026, 3, 28), 3)
    hours = [(end - begin) / 3600 for begin, end in map(clock.local_day_span, range(3))]
    assert hours == [24, 23, 24]  # summer time starts on 2026-03-29
    autumn = Clock(date(2026, 10, 24), 3)
    assert [(e - b) / 3600 for b, e in map(autumn.local_day_span, range(3))] == [24, 25, 24]
    assert autumn.local_labels(np.array([autumn.local_day_span(1)[0]]))[0] == \
        "2026-10-25 00:00:00+01:00"


def test_coverage_splits_an_outage_over_the_intervals_it_touches():
    share = coverage(600, 2700, 0)  # 00:10 to 00:45
    assert np.allclose(share[:4], [1 / 3, 1.0, 1.0, 0.0])
    assert share[4:].sum() == 0
    assert coverage(-100, 86_400 + 5, 0).min() == 1.0


def test_dirty_csv_adds_bad_rows_next_to_good_ones_and_counts_them():
    clean = pl.DataFrame({"id": [f"R{i}" for i in range(2000)], "value": np.arange(2000) / 7})
    data = clean.write_csv().encode()
    spec = CsvDirtSpec(",", ("id",), ("value",), "id", "R-UNKNOWN")
    dirty, counts = dirty_csv(data, spec, 0.02, np.random.default_rng(3))
    rows = list(csv.reader(io.StringIO(dirty.decode())))[1:]
    assert len(rows) == 2000 + sum(counts.values())
    assert set(counts) == {"malformed_field_count", "duplicate", "null_required", "non_numeric",
                           "unknown_reference"}
    good = [r for r in rows if len(r) == 2 and r[0].startswith("R") and r[0] != "R-UNKNOWN"]
    assert {r[0] for r in good} == set(clean["id"])  # nothing true is lost
    assert Counter(len(r) for r in rows)[2] == len(rows) - counts["malformed_field_count"]
    assert dirty_csv(data, spec, 0.0, np.random.default_rng(3)) == (data, Counter())


def test_services_render_as_valid_tmf638_json(world):
    for line in (world.path / "services" / "services.jsonl").read_text().splitlines():
        service = json.loads(line)
        assert service["href"].endswith(service["id"])
        assert service["category"] in {"CFS", "RFS"}
        if service["category"] == "CFS":
            price = [c for c in service["serviceCharacteristic"]
                     if c["name"] == "monthlyPriceEur"]
            assert len(price) == 1 and 4 < price[0]["value"] < 1000
            inline = service["supportingService"][0]
            assert inline["category"] == "RFS" and inline["@type"] == "Service"
