"""The complaint categoriser on phrases as customers write them: network complaints are network
(no service, drops, slow), billing and data caps are billing, care is service, and the tricky
ones follow the documented decisions (throttling vs data cap, credit for an outage, product
names, several problems in one title)."""

from __future__ import annotations

import polars as pl
import pytest

from cxbridge.lab.generate.care import BASELINE_CATEGORIES, NETWORK_CATEGORIES
from cxbridge.platform.ingest.categorise import (
    COMPLAINT_CATEGORIES,
    FAMILIES,
    FAMILY,
    categorise,
    categorise_texts,
    family_of,
)


@pytest.mark.parametrize(("text", "category"), [
    ("No internet", "no_service"),
    ("Xfinity internet down since Tuesday", "no_service"),
    ("Comcast cable outage", "no_service"),
    ("internet not working", "no_service"),
    ("Service down again", "no_service"),
    ("intermittant cable and phone", "intermittent_connection"),
    ("Internet keeps dropping every evening", "intermittent_connection"),
    ("Modem disconnects every evening", "intermittent_connection"),
    ("Repeated internet outages all month", "intermittent_connection"),
    ("Unreliable broadband service", "intermittent_connection"),
    ("Slow internet", "slow_speed"),
    ("Cable internet speeds", "slow_speed"),
    ("Paying for 100 Mbps but getting 3 Mbps", "slow_speed"),
    ("Xfinity connection issues", "network_problem"),
    ("Awful internet quality", "network_problem"),
    ("Comcast Billing", "billing"),
    ("Overbilling again", "billing"),
    ("Router rental fee", "billing"),
    ("Comcast customer service", "customer_service"),
    ("Technician no-show twice", "customer_service"),
    ("Comcast blocking a streaming app on game consoles", "other"),
])
def test_plain_complaints(text, category):
    found = categorise(text)
    assert found.category == category, found
    assert found.family == FAMILY[category]


@pytest.mark.parametrize(("text", "category", "why"), [
    ("They are throttling my high speed internet", "slow_speed",
     "throttling is a speed problem"),
    ("Comcast Data Cap", "data_cap", "a cap is charged on the bill"),
    ("Bandwidth caps are unfair", "data_cap", "a bandwidth cap is a cap, not a speed"),
    ("Data capping on my plan", "data_cap", "no 'ping' hides in 'capping'"),
    ("Overage charges on my internet", "data_cap", "overage before the generic charge"),
    ("Contract and billing dispute over the data cap", "data_cap",
     "the cap is the billing issue"),
    ("Asking for a credit for the outage last week", "billing",
     "asks for money about an outage"),
    ("Payment lost and then service disconnected", "billing", "disconnected for payment"),
    ("Xfinity high speed internet", "unspecified", "a product name, no speed evidence"),
    ("Comcast Internet", "unspecified", "names only the product"),
    ("Xfinity", "unspecified", "names only the brand"),
    ("Internet speeds and billing mistakes", "slow_speed", "network wins over billing"),
    ("Wrong charges and no service", "no_service", "network wins over billing"),
    ("Customer Service & Billing", "billing", "billing wins over service"),
    ("They will not close my account", "customer_service", "an account, not a connection"),
    ("Long delay in cancelling my service agreement", "customer_service",
     "cannot cancel: care, though 'agreement' is a billing word"),
    ("Internet speed is fine but my bill doubled", "billing", "a denied problem is no evidence"),
])
def test_tricky_complaints(text, category, why):
    assert categorise(text).category == category, why


def test_the_decision_carries_its_rule_and_words():
    found = categorise("They are throttling my high speed internet")
    assert (found.rule, found.evidence) == ("speed", "throttling")
    nothing = categorise("Comcast")
    assert (nothing.category, nothing.family, nothing.rule, nothing.evidence) == (
        "unspecified", "other", None, None)
    assert categorise(None).category == "unspecified"
    assert categorise("").category == "unspecified"


def test_families_cover_every_category_the_generated_world_writes():
    generated = set(NETWORK_CATEGORIES) | set(BASELINE_CATEGORIES) | {"follow_up"}
    assert generated <= set(FAMILY)
    assert {c for c in NETWORK_CATEGORIES if family_of(c) != "network"} == set()
    assert set(FAMILY.values()) == set(FAMILIES)
    assert set(COMPLAINT_CATEGORIES) <= set(FAMILY)
    assert family_of("something new") == "other" and family_of(None) == "other"


def test_a_column_of_texts_is_categorised_text_by_text():
    texts = pl.Series(["No internet", None, "Comcast Billing", "No internet"])
    assert categorise_texts(texts).to_list() == ["no_service", "unspecified", "billing",
                                                 "no_service"]
    assert categorise_texts(texts).name == "category"
