"""The service inventory's two readers agree: the quick one (:func:`_plain_rows`, straight from
the decoded JSON) gives exactly the rows of the field-by-field one (:func:`_rows`) for every
record it takes, and hands every other record to it (which names what is wrong)."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxbridge.platform.ingest.base import Fields, RecordShapeError
from cxbridge.platform.ingest.sources import services
from tests.pipelines.test_ingest_malformed import _paths  # every field of a record
from tests.tiny_world import _services

TABLES = ("services", "links", "resources")
V4 = {"id": "CFS-9", "category": "CFS", "state": "active", "serviceType": "ftth",
      "serviceSpecification": {"id": "cfs-ftth"},
      "relatedParty": [{"id": "C7", "role": "Owner"}, {"id": "C1", "role": "Customer"}],
      "serviceCharacteristic": [{"name": "b", "value": [1, {"x": None}]}, {"value": 2}],
      "supportingResource": []}
NESTED = {"id": "CFS-3", "category": "CFS", "state": "active",
          "serviceSpecification": {"id": "cfs-ftth"},
          "supportingService": [{"id": "RFS-3", "category": "RFS",
                                 "supportingService": [{"id": "RFS-4",
                                                        "serviceSpecification": {"id": "x"}}]},
                                {"id": "RFS-IPT", "@referredType": "Service"}]}
RECORDS = [*_services(), V4, NESTED]


def _by_fields(record: dict) -> dict | str:
    out = {table: [] for table in TABLES}
    try:
        services._rows(Fields(record), 7, out)
    except RecordShapeError as exc:
        return exc.reason
    return out


def _quick(record: dict) -> dict | None:
    out = {table: [] for table in TABLES}
    try:
        services._plain_rows(record, 7, out)
    except services._NotPlainError:
        return None
    return out


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: r["id"])
def test_the_usual_records_are_read_the_quick_way_with_the_same_rows(record):
    quick = _quick(record)
    assert quick is not None
    assert quick == _by_fields(record)
    assert quick["services"]  # (not vacuous: rows came out)


def test_a_v4_customer_and_characteristics_come_out_as_the_field_reader_gives_them():
    row = _quick(V4)["services"][0]
    assert row[9] == "C1"  # the party whose role is customer, any case
    assert json.loads(row[10]) == {"b": [1, {"x": None}], "": 2}


# a field replaced by a value of another JSON type, or removed
VALUES = st.recursive(st.text(max_size=5) | st.integers() | st.floats() | st.booleans()
                      | st.none(),
                      lambda inner: st.lists(inner, max_size=2)
                      | st.dictionaries(st.text(max_size=3), inner, max_size=2), max_leaves=4)


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_broken_record_gets_the_field_readers_rows_or_its_reason(data):
    record = copy.deepcopy(data.draw(st.sampled_from(RECORDS)))
    path = data.draw(st.sampled_from(_paths(record)))
    target = record
    for key in path[:-1]:
        target = target[key]
    if isinstance(target, dict) and data.draw(st.booleans()):
        del target[path[-1]]
    else:
        target[path[-1]] = data.draw(VALUES)
    expected = _by_fields(record)
    quick = _quick(record)
    if quick is None:  # handed on: the field reader gives the rows or names the problem
        return
    assert quick == expected  # taken: the very rows, never rows the other reader rejects
