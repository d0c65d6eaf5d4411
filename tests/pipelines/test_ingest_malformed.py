"""Generated malformed input thrown at every source's reader (issue 16): whatever the shape of
a record or a file, ingesting it raises nothing, the file ends loaded, rejected or empty with a
message, and every row read is loaded or quarantined with a reason.

Each example starts from a valid record of the source (the tiny world's, or a public data
set's layout) and breaks it: a field replaced by a JSON value of another type (text, numbers
huge or not finite, booleans, nulls, nested lists and objects), a field removed, a CSV cell
replaced by text (empty, huge, unicode, control characters, separators, quotes) or a row given
too many or too few fields, a Parquet column of another type. The examples are derandomised
(the same on every run) and few: the point is every source and every kind of breakage, each
file going through the same path a run takes (:func:`cxbridge.platform.ingest.ingest_many`).
A reader that fails in a way no check foresaw is caught by ingest's safety net as an
"unexpected error": that counts as a failure here.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import json
from pathlib import Path

import polars as pl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxbridge.platform import ingest, warehouse
from cxbridge.platform.settings import load_settings
from tests.tiny_world import write_tiny_world

EXAMPLES = settings(max_examples=8, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FEWER = settings(EXAMPLES, max_examples=3)  # for each of several kinds of file

# text a feed might carry where a value should be: empty, blank, huge, unicode, control
# characters, separators and quotes, numbers that are not numbers, times out of range
ODD_TEXT = st.sampled_from([
    "", " ", "x" * 5000, "NaN", "inf", "-1", "1.5", "9" * 40, "1e999", "null", "true",
    "2099-01-01T00:00:00Z", "1970-01-01", "01/02/2026", "\x00", "\x1b[31mred", "\u202eevil",
    "é ✓ 漢字 🚀", '"', "a,b", "a;b", "a\tb", "line\nbreak", "\r", "[red]markup[/red]"])
TEXT = st.one_of(ODD_TEXT, st.text(st.characters(codec="utf-8"), max_size=30))
JSON_VALUES = st.recursive(
    TEXT | st.integers() | st.floats() | st.booleans() | st.none(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6)

CASES = itertools.count()  # a new file name for every example: no example replaces another


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A warehouse shared by the examples (references to resolve: the tiny world's catalog,
    topology and customers are loaded first), and the tiny world's files."""
    root = tmp_path_factory.mktemp("malformed")
    config = root / "cxbridge.toml"
    config.write_text("", encoding="utf-8")
    the_settings = load_settings({"CXBRIDGE_HOME": str(root / "home"),
                                  "CXBRIDGE_CONFIG": str(config)})
    the_settings.ensure_dirs()
    raw = write_tiny_world(root / "raw")
    with warehouse.connect(the_settings) as con:
        ingest.ingest_many(con, [(s, p) for s, p in ingest.discover(raw)
                                 if s.name in ("catalog", "topology", "customers")], "setup")
        yield con, raw, root / "cases"


def _ingest_and_check(con, source_name: str, path: Path):
    """Ingest one file as a run would; nothing raises, and everything read is accounted for.
    Returns the file's result."""
    results = ingest.ingest_many(con, [(ingest.source(source_name), path)], "hypothesis")
    assert len(results) == 1
    result = results[0]
    assert Path(result.path).name == path.name
    assert result.status in ("loaded", "rejected", "empty"), result
    assert "unexpected error" not in result.message, result.message
    if result.status != "loaded":
        assert result.message
    assert result.rows_read == result.rows_loaded + result.rows_quarantined, result
    held, without_reason = warehouse.query(
        con, "select count(*), count(*) filter (where coalesce(trim(reason), '') = '') "
             "from meta.quarantine where path = $p", {"p": result.path}).row(0)
    assert (held, without_reason) == (result.rows_quarantined, 0), result
    return result


def _case(world, name: str) -> Path:
    folder = world[2] / f"case{next(CASES)}"
    folder.mkdir(parents=True)
    return folder / name


# --- JSON and YAML records: every field, every wrong type -----------------------------------

def _paths(value, prefix=()) -> list[tuple]:
    """Every field of a record (nested objects, a list's first item) as a path of keys."""
    found = []
    if isinstance(value, dict):
        for key, inner in value.items():
            found += [(*prefix, key), *_paths(inner, (*prefix, key))]
    elif isinstance(value, list) and value:
        found += [(*prefix, 0), *_paths(value[0], (*prefix, 0))]
    return found


def _broken(record: dict, path: tuple, value, remove: bool) -> dict:
    broken = copy.deepcopy(record)
    target = broken
    for key in path[:-1]:
        target = target[key]
    if remove and isinstance(target, dict):
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return broken


def _record_breakages(record: dict):
    """Several ways to break a record, each for a record of its own: a field (any field,
    nested or not) replaced by a JSON value of any type, or removed."""
    return st.lists(st.tuples(st.sampled_from(_paths(record)), JSON_VALUES, st.booleans()),
                    min_size=4, max_size=10)


def _first_json_line(path: Path) -> dict:
    return json.loads(path.read_text().splitlines()[0])


@EXAMPLES
@given(data=st.data())
def test_alarm_records_of_any_shape(world, data):
    good = _first_json_line(world[1] / "alarms" / "alarms_20261001.jsonl")
    breakages = data.draw(_record_breakages(good))
    records = [good, *(_broken(good, *b) for b in breakages)]
    path = _case(world, "alarms.jsonl")
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    _ingest_and_check(world[0], "alarms", path)


@EXAMPLES
@given(data=st.data())
def test_service_records_of_any_shape(world, data):
    lines = (world[1] / "services" / "services.jsonl").read_text().splitlines()
    good = data.draw(st.sampled_from([json.loads(line) for line in lines]))
    breakages = data.draw(_record_breakages(good))
    inline = None  # inline supporting services nested this deep (too deep: a reject)
    for level in range(data.draw(st.integers(0, 40))):
        inline = {"id": f"RFS-IN-{level}", "category": "RFS",
                  "serviceSpecification": {"id": "rfs-gpon-access"},
                  **({"supportingService": [inline]} if inline else {})}
    nested = {**good, "id": "CFS-NESTED", "supportingService": [inline] if inline else []}
    path = _case(world, "services.jsonl")
    path.write_text("".join(json.dumps(r) + "\n" for r in
                            [good, nested, *(_broken(good, *b) for b in breakages)]))
    _ingest_and_check(world[0], "services", path)


@EXAMPLES
@given(data=st.data())
def test_catalog_specs_of_any_shape(world, data):
    document = yaml.safe_load((world[1] / "catalog" / "catalog.yaml").read_text())
    specs = document["serviceSpecification"]
    good = data.draw(st.sampled_from(specs))
    breakages = data.draw(_record_breakages(good))
    odd = data.draw(st.lists(JSON_VALUES, max_size=2))  # a spec that is no object at all
    path = _case(world, "catalog.yaml")
    path.write_text(yaml.safe_dump({"serviceSpecification": [
        *(_broken(good, *b) for b in breakages), *odd]}, allow_unicode=True))
    _ingest_and_check(world[0], "catalog", path)


# one value of each JSON type, and a few that are JSON only to Python (NaN, a huge number)
EVERY_TYPE = ("x", "", 5, -1.5, float("nan"), 10 ** 30, True, None, [], [1, "a"], {},
              {"id": {"id": 1}}, [[[]]])


def _records(world, source: str) -> list[dict]:
    """Valid records of a JSON or YAML source, from the tiny world."""
    if source == "catalog":
        text = (world[1] / "catalog" / "catalog.yaml").read_text()
        return yaml.safe_load(text)["serviceSpecification"]
    folder = world[1] / source
    return [json.loads(line) for path in sorted(folder.glob("*.jsonl"))
            for line in path.read_text().splitlines()]


@pytest.mark.parametrize("source", ["alarms", "services", "catalog"])
def test_every_field_of_a_record_with_every_json_type(world, source):
    """Not sampled: every field of every record, each replaced by a value of every type and
    removed, one broken record per line of one file."""
    broken = [_broken(record, path, value, remove)
              for record in _records(world, source) for path in _paths(record)
              for value, remove in [*((v, False) for v in EVERY_TYPE), (None, True)]]
    if source == "catalog":
        path = _case(world, "catalog.yaml")
        path.write_text(yaml.safe_dump({"serviceSpecification": broken}))
    else:
        path = _case(world, f"{source}.jsonl")
        path.write_text("".join(json.dumps(record) + "\n" for record in broken))
    result = _ingest_and_check(world[0], source, path)
    if source == "alarms":  # one row per line: every broken event is read, none dropped
        assert result.rows_read == len(broken) > 300


@EXAMPLES
@given(lines=st.lists(st.one_of(JSON_VALUES.map(json.dumps), TEXT), min_size=1, max_size=4))
def test_json_lines_that_are_no_records(world, lines):
    path = _case(world, "alarms.jsonl")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _ingest_and_check(world[0], "alarms", path)


# --- delimited files: text in every column, rows of the wrong width ------------------------

COMPLAINTS = ("Ticket #,Customer Complaint,Date,Date_month_year,Time,Received Via,City,State,"
              "Zip code,Status,Filing on Behalf of Someone\n"
              "250635,Comcast Cable Internet Speeds,22-04-15,22-Apr-15,3:53:50 PM,"
              "Customer Care Call,Abingdon,Maryland,21009,Closed,No\n")
UE_LOG = ("Timestamp,Longitude,Latitude,Speed,Operatorname,CellID,NetworkMode,RSRP,RSRQ,SNR,CQI,"
          "RSSI,DL_bitrate,UL_bitrate,State,PINGAVG,PINGMIN,PINGMAX,PINGSTDEV,PINGLOSS,CELLHEX,"
          "NODEHEX,LACHEX,RAWCELLID,NRxRSRP,NRxRSRQ\n"
          "2019.11.25_15.34.34,-8.49,51.89,30,B,3,5G,-78,-9,21.0,14,-61,40000,900,D,-,-,-,-,-,3,"
          "76C6C,9CBA,101,-,-\n")
# each kind of delimited file → (its source, file name, where its valid text comes from: a
# tiny world file or inline text)
DELIMITED = {
    "customers": ("customers", "customers.csv", "customers/customers.csv"),
    "resources": ("topology", "resources.csv", "topology/resources.csv"),
    "resource links": ("topology", "resource_links.csv", "topology/resource_links.csv"),
    "PM vendor A": ("kpis", "A_PM_case.csv", "kpis/vendor_a/A_PM_20261001.csv"),
    "PM vendor B": ("kpis", "B_PM_case.csv", "kpis/vendor_b/B_PM_20261001.csv"),
    "tickets": ("tickets", "tickets.csv", "tickets/tickets_20261001.csv"),
    "surveys": ("surveys", "nps.csv", "surveys/nps_20261001.csv"),
    "complaints": ("complaints", "complaints.csv", COMPLAINTS),
    "UE log": ("ue-measurements", "trace.csv", UE_LOG),
}


def _valid_text(world, origin: str) -> str:
    return origin if "\n" in origin else (world[1] / origin).read_text(encoding="utf-8")


def _row_breakage(width: int):
    """How a row breaks: a cell replaced by text, or fields added or removed."""
    return st.one_of(
        st.tuples(st.just("cell"), st.integers(0, width - 1), TEXT),
        st.tuples(st.just("width"), st.integers(-width, 3).filter(lambda n: n != 0), TEXT))


def _broken_row(row: list[str], breakage) -> list[str]:
    kind, where, text = breakage
    if kind == "cell":
        return [text if i == where else value for i, value in enumerate(row)]
    return row[:where] if where < 0 else [*row, *([text] * where)]


@pytest.mark.parametrize("kind", sorted(DELIMITED))
@FEWER
@given(data=st.data())
def test_delimited_rows_of_any_shape(world, data, kind):
    source, name, origin = DELIMITED[kind]
    text = _valid_text(world, origin)
    separator = ";" if kind == "PM vendor B" else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=separator))
    header, good = rows[0], rows[1]
    breakages = data.draw(st.lists(_row_breakage(len(header)), min_size=1, max_size=4))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\n")
    writer.writerows([header, good, *(_broken_row(good, b) for b in breakages)])
    path = _case(world, name)
    path.write_bytes(out.getvalue().encode("utf-8"))
    _ingest_and_check(world[0], source, path)


@pytest.mark.parametrize("kind", sorted(DELIMITED))
@FEWER
@given(data=st.data())
def test_delimited_files_cut_or_garbled_anywhere(world, data, kind):
    source, name, origin = DELIMITED[kind]
    raw = _valid_text(world, origin).encode("utf-8")
    cut = data.draw(st.integers(0, len(raw)))
    noise = data.draw(st.binary(max_size=40))
    path = _case(world, name)
    path.write_bytes(raw[:cut] + noise + raw[cut:])
    _ingest_and_check(world[0], source, path)


# --- Parquet: columns of the wrong type -------------------------------------------------------

COLUMN_OF_ANOTHER_TYPE = st.one_of(
    st.lists(st.one_of(st.none(), TEXT), min_size=3, max_size=3).map(
        lambda v: pl.Series(v, dtype=pl.String)),
    st.lists(st.one_of(st.none(), st.floats()), min_size=3, max_size=3).map(
        lambda v: pl.Series(v, dtype=pl.Float64)),
    st.lists(st.one_of(st.none(), st.integers(-2**63, 2**63 - 1)), min_size=3, max_size=3).map(
        lambda v: pl.Series(v, dtype=pl.Int64)),
    st.lists(st.one_of(st.none(), st.booleans()), min_size=3, max_size=3).map(
        lambda v: pl.Series(v, dtype=pl.Boolean)),
    st.lists(st.lists(st.integers(0, 9), max_size=2), min_size=3, max_size=3).map(
        lambda v: pl.Series(v, dtype=pl.List(pl.Int64))),
    st.just(pl.Series([None, None, None], dtype=pl.Null)),
)


@EXAMPLES
@given(data=st.data())
def test_parquet_columns_of_any_type(world, data):
    good = pl.read_parquet(world[1] / "usage" / "usage_20261001.parquet")
    frame = pl.concat([good.head(1)] * 3)
    for column in data.draw(st.lists(st.sampled_from(frame.columns), min_size=1, max_size=3,
                                     unique=True)):
        frame = frame.with_columns(data.draw(COLUMN_OF_ANOTHER_TYPE).alias(column))
    path = _case(world, "usage.parquet")
    frame.write_parquet(path)
    _ingest_and_check(world[0], "usage", path)
