"""Customer 360 lists the parts of each service's experience index, and a part no feed measured
reads "not measured", never a blank, a 0 or a dash that looks like a value. The mini operator
(tests/dashboards/world.py) has no packet-loss counter: every service's loss part is NULL."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.dashboards import customer_view
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.filters import Filters
from cxbridge.models.experience.sei import COMPONENTS, WEIGHTS
from tests.dashboards.world import FIRST_DAY, LAST_DAY, PII_CUSTOMER

PERIOD = Filters(start=FIRST_DAY, end=LAST_DAY)


def _texts(component) -> list[str]:
    """Every piece of text a Dash component shows, in order."""
    if component is None:
        return []
    if isinstance(component, str | int | float):
        return [str(component)]
    if isinstance(component, list | tuple):
        return [t for child in component for t in _texts(child)]
    return _texts(getattr(component, "children", None))


@pytest.fixture
def services(settings, publish, demo_rows, world) -> pl.DataFrame:
    publish("world-run", demo_rows, world)
    return SnapshotReader(settings).customer_services(PII_CUSTOMER["customer_id"], PERIOD)


def test_the_services_query_carries_each_part_and_the_coverage(services):
    ftth = services.row(by_predicate=pl.col("cfs_type") == "ftth", named=True)
    assert ftth["score_loss"] is None                       # no loss counter: not measured
    assert ftth["score_availability"] == pytest.approx(ftth["experience"])
    assert ftth["score_video"] is None                      # not a part of FTTH at all
    weights = WEIGHTS["ftth"]
    assert ftth["coverage"] == pytest.approx(1 - weights["loss"] / sum(weights.values()))


def test_a_part_never_measured_reads_not_measured(services):
    ftth = services.row(by_predicate=pl.col("cfs_type") == "ftth", named=True)
    texts = _texts(customer_view.experience_parts(ftth))
    shown = dict(zip(texts[0:-1:2], texts[1:-1:2], strict=True))
    assert list(shown) == [f"{COMPONENTS[n]}: " for n in WEIGHTS["ftth"]]  # only FTTH's parts
    assert shown[f"{COMPONENTS['loss']}: "] == customer_view.NOT_MEASURED
    assert shown[f"{COMPONENTS['availability']}: "] == f"{ftth['score_availability']:.0f}"
    assert texts[-1] == "85 % of the index measured"


def test_the_services_table_shows_the_parts_and_no_dash_for_a_missing_measure(services):
    table = _texts(customer_view.services_table(services))
    assert "Made of (mean score)" in table
    assert table.count(customer_view.NOT_MEASURED) == services.height  # one loss part each
    unmeasured = services.with_columns(experience=pl.lit(None, pl.Float64),
                                       outage_minutes=pl.lit(None, pl.Float64))
    shown = _texts(customer_view.services_table(unmeasured))
    # the index and the minutes without service are "not measured" too, never "–" or 0
    assert shown.count(customer_view.NOT_MEASURED) == 3 * services.height
    assert "0 min" not in shown
