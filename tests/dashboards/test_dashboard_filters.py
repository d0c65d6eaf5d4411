"""The filter bar's state and its URL form."""

from __future__ import annotations

from datetime import date

from cxbridge.dashboards.filters import FilterChoices, Filters

CHOICES = FilterChoices.for_range(
    date(2026, 3, 1), date(2026, 4, 30), ("Connacht", "Dublin", "Munster"),
    ("consumer", "enterprise", "smb"), ("ftth", "mobile_data"),
)


def test_default_is_the_last_four_weeks():
    assert CHOICES.default == Filters(start=date(2026, 4, 3), end=date(2026, 4, 30))


def test_query_round_trip():
    filters = Filters(date(2026, 3, 5), date(2026, 3, 20), ("Dublin", "Munster"), ("smb",),
                      ("ftth",))
    query = filters.to_query()
    assert query == "?from=2026-03-05&to=2026-03-20&region=Dublin,Munster&segment=smb&service=ftth"
    assert CHOICES.from_query(query) == filters


def test_query_left_out_means_default():
    assert CHOICES.from_query("") == CHOICES.default
    assert CHOICES.from_query("?region=Dublin") == Filters(
        start=CHOICES.default.start, end=CHOICES.default.end, regions=("Dublin",))


def test_query_values_are_sanitised():
    filters = CHOICES.from_query(
        "?from=2025-01-01&to=not-a-date&region=Dublin,Atlantis&segment=%27%3B+drop")
    assert filters.start == date(2026, 3, 1)  # clamped into the snapshot
    assert filters.end == CHOICES.default.end
    assert filters.regions == ("Dublin",)
    assert filters.segments == ()


def test_reversed_dates_are_swapped():
    filters = CHOICES.from_query("?from=2026-03-20&to=2026-03-05")
    assert (filters.start, filters.end) == (date(2026, 3, 5), date(2026, 3, 20))


def test_inputs_round_trip():
    filters = Filters(date(2026, 3, 5), date(2026, 3, 20), ("Dublin",), (), ("ftth",))
    assert Filters.from_inputs(*filters.to_inputs()) == filters
    assert Filters.from_inputs("2026-03-05T00:00:00", None, "Dublin", None, []) == Filters(
        start=date(2026, 3, 5), regions=("Dublin",))


def test_choices_survive_the_store():
    assert FilterChoices.from_store(CHOICES.to_store()) == CHOICES
