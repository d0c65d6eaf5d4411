"""The generated CRM's marketing consent: per channel, mostly given by those with the general
opt-in, some unknown; a language and preferred channel; written to the customers file."""

from __future__ import annotations

import polars as pl

from cxbridge.lab.generate.config import Component, WorldConfig, component_rng
from cxbridge.lab.generate.customers import CONSENT_COLUMNS, build_customers
from cxbridge.lab.generate.records import CUSTOMER_COLUMNS


def test_consent_per_channel_is_plausible_and_seeded():
    config = WorldConfig(scale=0.02, seed=5)
    people = build_customers(config, component_rng(5, Component.CUSTOMERS))
    again = build_customers(config, component_rng(5, Component.CUSTOMERS))
    assert people.equals(again)
    assert set(CONSENT_COLUMNS) <= set(CUSTOMER_COLUMNS)
    opted = people.filter(pl.col("marketing_opt_in"))
    others = people.filter(~pl.col("marketing_opt_in"))
    for channel in ("email", "sms", "phone"):
        column = pl.col(f"consent_{channel}")
        assert 0 < people[f"consent_{channel}"].null_count() < 0.1 * people.height
        assert opted.select(column.mean()).item() > others.select(column.mean()).item()
    email, phone = (opted[f"consent_{c}"].mean() for c in ("email", "phone"))
    assert email > phone  # e-mail consent is given most, a call least
    assert set(people["preferred_channel"].drop_nulls()) == {"email", "sms", "phone"}
    business = people.filter(pl.col("segment") != "consumer")
    assert set(business["preferred_language"]) == {"en"}
    assert people["preferred_language"].n_unique() > 2
