"""Marketing consent in the campaign builder and its export, on the mini operator
(``world.py``: opt-in, per-channel consent, national and broken phone numbers): who is
suppressed and why, what the file carries (E.164 phones, names, labels, campaign code, control
group, snapshot), that the builder's state travels in the URL, and that the churn drivers
follow the filter bar."""

from __future__ import annotations

import csv
import io
import re
import zlib
from urllib.parse import parse_qs

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cxbridge.dashboards import campaign
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.campaign import CampaignChoice
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.filters import Filters, keep_page_keys, page_query
from cxbridge.platform.audit import read_events
from cxbridge.platform.crc32 import crc32_each
from tests.dashboards.browser import checked, pick, start, url_query, wait_until
from tests.dashboards.world import FIRST_DAY, LAST_DAY

PERIOD = Filters(start=FIRST_DAY, end=LAST_DAY)
E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
EXPORT = "/export/campaign.csv?from=2026-03-02&to=2026-03-15"


@pytest.fixture
def published(settings, publish, demo_rows, world):
    publish("world-run", demo_rows, world)
    return settings


def _by_hand_e164(phone: str | None) -> str | None:
    """The world's phones in E.164, worked out independently of the code under test."""
    digits = (phone or "").replace(" ", "")
    if digits.startswith("+"):
        return digits
    if digits.startswith("0"):
        return "+353" + digits[1:]
    return None


def _expected(people: pl.DataFrame) -> dict[str, dict]:
    """Per customer: the reason they are suppressed (None when reachable) and the channels
    that may be used, straight from the CRM columns (unknown consent is no consent)."""
    out = {}
    for row in people.iter_rows(named=True):
        opt_in = row["marketing_opt_in"] is True
        said = {c: row[f"consent_{c}"] is True for c in ("email", "sms", "phone")}
        phone = _by_hand_e164(row["phone"])
        usable = {"email": opt_in and said["email"] and bool(row["email"]),
                  "sms": opt_in and said["sms"] and phone is not None,
                  "phone": opt_in and said["phone"] and phone is not None}
        reason = (None if any(usable.values()) else "no_marketing_consent" if not opt_in
                  else "no_channel_consent" if not any(said.values())
                  else "no_contact_details")
        out[row["customer_id"]] = {"reason": reason, "usable": usable, "e164": phone,
                                   "email": row["email"],
                                   "phone_unusable": opt_in and (said["sms"] or said["phone"])
                                   and phone is None}
    return out


@pytest.mark.parametrize(("raw", "e164"), [
    ("+353 87 123 4567", "+353871234567"), ("087 123 4567", "+353871234567"),
    ("(01) 555-0101", "+35315550101"), ("0035315550101", "+35315550101"),
    ("+353 (0)87 123 4567", "+353871234567"), ("555 0101", None), ("+353 87", None),
    ("087 123 4567 ext 5", None), ("", None), (None, None),
])
def test_phone_numbers_in_e164(raw, e164):
    frame = pl.DataFrame({"phone": [raw]}, schema={"phone": pl.String})
    assert frame.select(campaign.e164(pl.col("phone")))["phone"][0] == e164


def test_another_country_code_for_national_numbers():
    frame = pl.DataFrame({"phone": ["030 1234 5678", "+353 87 123 4567"]})
    assert frame.select(campaign.e164(pl.col("phone"), "+49"))["phone"].to_list() == [
        "+493012345678", "+353871234567"]


def test_names_split_for_people_and_kept_whole_for_businesses():
    frame = pl.DataFrame({"name": ["Aoife Byrne", " Mary  Ann Ó Briain ", "Cher",
                                   "Byrne Plumbing Ltd", None],
                          "segment": ["consumer", "consumer", "consumer", "smb", "consumer"]})
    split = frame.select(**campaign.split_name(pl.col("name"), pl.col("segment")))
    assert split.rows() == [("Aoife", "Byrne", None), ("Mary", "Ann Ó Briain", None),
                            ("Cher", None, None), (None, None, "Byrne Plumbing Ltd"),
                            (None, None, None)]


def test_control_group_is_seeded_and_near_its_rate():
    ids = pl.Series([f"C{n:07d}" for n in range(20_000)])
    flags = campaign.control_flags(ids, "WINBACK", 0.10)
    assert abs(flags.mean() - 0.10) < 0.01
    assert flags.equals(campaign.control_flags(ids, "WINBACK", 0.10))  # same code, same group
    other = campaign.control_flags(ids, "SPRING", 0.10)
    assert not flags.equals(other) and abs(other.mean() - 0.10) < 0.01
    assert not campaign.control_flags(ids, "WINBACK", 0.0).any()


@settings(max_examples=200, deadline=None)
@given(ids=st.lists(st.text(min_size=1, max_size=24), min_size=1, max_size=40),
       code=st.text(max_size=30), rate=st.floats(0, 1))
def test_the_draw_is_the_crc32_of_code_and_customer(ids, code, rate):
    """Ids of any length and script, any code: computed a byte position at a time over the
    ids of one length (and from each id's own CRC kept per snapshot), the draw is zlib's."""
    series = pl.Series(ids, dtype=pl.String)
    zlibs = [zlib.crc32(f"{code}:{i}".encode()) < rate * 2 ** 32 for i in ids]
    assert campaign.control_flags(series, code, rate).to_list() == zlibs
    own = crc32_each(series)
    assert own.to_list() == [zlib.crc32(i.encode()) for i in ids]
    assert campaign.control_flags(series, code, rate, crcs=own).to_list() == zlibs


def test_builder_state_round_trips_through_the_url():
    choice = CampaignChoice(("retention", "upsell"), ("high",), "WIN-BACK", 0.2)
    search = page_query("?from=2026-03-02&region=Munster", campaign.CHOICE_KEYS,
                        campaign.choice_to_pairs(choice))
    assert parse_qs(search[1:])["region"] == ["Munster"]
    assert campaign.choice_from_query(search) == choice
    assert campaign.choice_from_query("") == CampaignChoice()  # nothing asked: the default
    assert campaign.choice_to_pairs(CampaignChoice()) == []  # the default adds nothing
    # nothing ticked stays nothing, unknown values are dropped, a silly rate is capped
    odd = campaign.choice_from_query("?offers=&bands=high,nope&control=90&code=a b!")
    assert odd == CampaignChoice((), ("high",), "A-B", 0.5)
    # a filter change keeps the page's own keys
    kept = keep_page_keys("?from=2026-03-03&region=Ulster", search)
    assert campaign.choice_from_query(kept) == choice
    assert parse_qs(kept[1:])["region"] == ["Ulster"]


def test_suppression_counts_follow_the_crm_consent(published, world):
    reader = SnapshotReader(published)
    selected = campaign.campaign(reader.customer_outlook(PERIOD), CampaignChoice())
    expected = _expected(world["customers"])
    free = [c for c, held in zip(selected["customer_id"], selected["held_back"], strict=True)
            if not held]
    counts = campaign.campaign_counts(selected)
    for reason in campaign.SUPPRESSIONS:
        assert counts[reason] == sum(expected[c]["reason"] == reason for c in free), reason
    assert counts["suppressed"] == sum(expected[c]["reason"] is not None for c in free) > 0
    assert counts["reached"] == sum(expected[c]["reason"] is None for c in free) > 0
    assert counts["phone_unusable"] == sum(expected[c]["reason"] is None
                                           and expected[c]["phone_unusable"] for c in free) > 0
    assert all(counts[r] > 0 for r in campaign.SUPPRESSIONS)  # the world has every case


def test_export_carries_what_a_campaign_tool_needs_and_only_consented_people(published,
                                                                             world):
    client = create_app(published).server.test_client()
    answer = client.get(EXPORT + "&role=marketing&code=spring win&control=20")
    assert answer.status_code == 200
    body = answer.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    expected = _expected(world["customers"])
    reader = SnapshotReader(published)
    selected = campaign.campaign(reader.customer_outlook(PERIOD), CampaignChoice())
    free = set(selected.filter(~pl.col("held_back"))["customer_id"])
    assert {r["customer_id"] for r in rows} == {c for c in free if expected[c]["reason"] is None}
    assert set(rows[0]) >= {
        "campaign_code", "customer_id", "first_name", "last_name", "company_name", "email",
        "phone_e164", "preferred_language", "preferred_channel", "consent_email",
        "consent_sms", "consent_phone", "segment", "region", "services", "offer", "risk_band",
        "control_group", "control_rate", "snapshot_run_id", "snapshot_built_at_utc",
        "exported_at_utc"}
    for row in rows:
        want = expected[row["customer_id"]]
        assert row["email"] == (want["email"] if want["usable"]["email"] else "")
        phone_ok = want["usable"]["sms"] or want["usable"]["phone"]
        assert row["phone_e164"] == (want["e164"] if phone_ok else "")
        assert not row["phone_e164"] or E164.match(row["phone_e164"])
        assert row["consent_sms"] == str(want["usable"]["sms"]).lower()
        assert row["campaign_code"] == "SPRING-WIN" and row["control_rate"] == "0.2"
        assert row["snapshot_run_id"] == "world-run"
        assert row["snapshot_built_at_utc"] == "2026-03-16T04:30:00+00:00"
        assert row["exported_at_utc"].endswith("+00:00")
    assert {r["segment"] for r in rows} <= {"Consumer", "Small business", "Enterprise"}
    assert "FTTH broadband" in rows[0]["services"] and "ftth" not in body
    assert {r["risk_band"] for r in rows} <= {"High", "Medium", "Low"}
    # nobody without consent is in the file, not even by e-mail address
    for customer, want in expected.items():
        if want["reason"] is not None:
            assert customer not in body and want["email"] not in body
    aoife = next(r for r in rows if r["customer_id"] == "C0000001")
    assert (aoife["first_name"], aoife["last_name"]) == ("Aoife", "Byrne")

    event = [e for e in read_events(published.dashboard.audit_file)
             if e["event"] == "export"][-1]
    counts = campaign.campaign_counts(selected)
    assert event["rows"] == len(rows) and event["role"] == "marketing"
    assert event["suppressed"] == {r: counts[r] for r in campaign.SUPPRESSIONS}
    assert event["campaign_code"] == "SPRING-WIN"
    assert event["control_rows"] == sum(r["control_group"] == "true" for r in rows)


def test_export_without_contacts_still_honours_consent(published, world):
    client = create_app(published).server.test_client()
    rows = list(csv.DictReader(io.StringIO(client.get(EXPORT + "&role=operations")
                                           .get_data(as_text=True))))
    expected = _expected(world["customers"])
    assert rows and all(expected[r["customer_id"]]["reason"] is None for r in rows)
    assert not {"first_name", "last_name", "email", "phone_e164"} & set(rows[0])


def test_churn_drivers_follow_the_region_filter(published, world):
    reader = SnapshotReader(published)
    high = (world["churn_scores"].filter(pl.col("risk_band") == "high")
            .join(world["customers"].select("customer_id", "region"), on="customer_id"))

    def by_hand(region: str | None) -> dict[str, int]:
        rows = high if region is None else high.filter(pl.col("region") == region)
        reasons = [r for row in rows.iter_rows(named=True)
                   for r in (row["reason_1"], row["reason_2"], row["reason_3"]) if r]
        return {r: reasons.count(r) for r in set(reasons)}

    def shown(**chosen) -> dict[str, int]:
        drivers = reader.churn_drivers(Filters(start=FIRST_DAY, end=LAST_DAY, **chosen))
        return dict(zip(drivers["reason"], drivers["customers"], strict=True))

    assert shown() == by_hand(None)
    assert shown(regions=("Munster",)) == by_hand("Munster") != by_hand(None)
    network = reader.churn_drivers(Filters(start=FIRST_DAY, end=LAST_DAY,
                                           regions=("Munster",)))
    assert dict(zip(network["reason"], network["network"], strict=True))[
        "Poor experience on recent days"] is True


# --- in the browser ---------------------------------------------------------------------------





@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_a_shared_campaign_link_reopens_the_campaign_and_follows_changes(dash_duo, published,
                                                                         world):
    start(dash_duo, create_app(published, role="marketing"))
    dash_duo.wait_for_page(url=dash_duo.server_url + "/marketing?from=2026-03-02&to=2026-03-15"
                           "&offers=retention&bands=high&code=WINBACK&control=20")
    dash_duo.wait_for_text_to_equal("#marketing-campaign-code", "WINBACK")
    assert checked(dash_duo, "marketing-offers") == ["Retention"]
    assert checked(dash_duo, "marketing-bands") == ["High"]
    assert dash_duo.find_element("#marketing-control").get_attribute("value") == "20"
    reader = SnapshotReader(published)
    expected = _expected(world["customers"])
    selected = campaign.campaign(reader.customer_outlook(PERIOD),
                                 CampaignChoice(("retention",), ("high",)))
    free = selected.filter(~pl.col("held_back"))["customer_id"]
    dash_duo.wait_for_text_to_equal("#marketing-suppressed",
                                    str(sum(expected[c]["reason"] is not None for c in free)))

    dash_duo.driver.execute_script(  # tick Upsell as a person would
        "Array.from(document.querySelectorAll('#marketing-offers label'))"
        ".find(l => l.textContent.trim() === 'Upsell').click();")
    wait_until(dash_duo, lambda: url_query(dash_duo).get("offers") == ["retention,upsell"],
               "the URL follows the offers")
    assert url_query(dash_duo)["code"] == ["WINBACK"] and url_query(dash_duo)["control"] == ["20"]

    dash_duo.driver.back()  # the link before the change: the builder follows it
    wait_until(dash_duo, lambda: checked(dash_duo, "marketing-offers") == ["Retention"],
               "going back restores the offers")
    assert url_query(dash_duo)["offers"] == ["retention"]

    dash_duo.driver.execute_script(  # the filter bar, scrolled out of view by the builder
        "document.querySelector('#filters-region')"
        ".scrollIntoView({block: 'center', behavior: 'instant'})")
    pick(dash_duo, "#filters-region", "Munster")  # a filter change keeps the campaign's keys
    wait_until(dash_duo, lambda: url_query(dash_duo).get("region") == ["Munster"],
               "the URL follows the region filter")
    assert url_query(dash_duo)["offers"] == ["retention"] and url_query(dash_duo)["code"] == [
        "WINBACK"]
    assert dash_duo.get_logs() == []


def test_the_operators_country_code_comes_from_the_settings(published):
    """[dashboard] phone_country_code: the reader the campaign export asks
    (dashboards/exports.py passes ``reader.country_code`` to campaign.e164, whose other codes
    are tested above) holds the operator's calling code, not the demo operator's."""
    from dataclasses import replace

    uk = replace(published, dashboard=replace(published.dashboard, phone_country_code="44"))
    assert SnapshotReader(uk).country_code == "44"
    assert SnapshotReader(published).country_code == "353"


@pytest.mark.parametrize("code", ["0044", "1234", "ie", ""])
def test_a_bad_country_code_is_a_setting_error(code, tmp_path):
    from cxbridge.platform.dashboard_settings import DashboardSettingsError, dashboard_settings

    if code == "":
        assert dashboard_settings({}, {}, tmp_path, "test").phone_country_code == "353"
        return
    with pytest.raises(DashboardSettingsError, match="phone_country_code"):
        dashboard_settings({"phone_country_code": code}, {}, tmp_path, "test")
    assert dashboard_settings({"phone_country_code": "+44"}, {}, tmp_path,
                              "test").phone_country_code == "44"
