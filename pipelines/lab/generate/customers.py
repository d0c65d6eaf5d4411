"""The CRM population: who the customers are, where they live and how they pay.

Names come from Faker's ``en_IE`` provider *lists*, sampled with numpy (one vectorised draw per
column, never a Faker call per row). Columns starting with ``_`` are latent traits the world uses
but no operator system records, e.g. ``_disposition``: how easily a customer is annoyed, which
moves complaints, survey scores and churn together.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from faker.providers.person.en_IE import Provider as IrishNames

from .config import Component, WorldConfig, entity_ids
from .geography import REGIONS

SEGMENTS = ("consumer", "smb", "enterprise")
SEGMENT_SHARES = (0.85, 0.12, 0.03)
CONTRACT_TYPES = ("month-to-month", "one_year", "two_year")
CONTRACT_SHARES = {"consumer": (0.32, 0.38, 0.30), "smb": (0.20, 0.40, 0.40),
                   "enterprise": (0.05, 0.35, 0.60)}
PAYMENT_METHODS = ("direct_debit", "credit_card", "bank_transfer", "invoice")
PAYMENT_SHARES = {"consumer": (0.60, 0.30, 0.10, 0.0), "smb": (0.50, 0.20, 0.15, 0.15),
                  "enterprise": (0.0, 0.0, 0.20, 0.80)}
EMAIL_DOMAINS = ("gmail.com", "eircom.net", "hotmail.com", "yahoo.ie", "outlook.ie", "icloud.com")
MOBILE_PREFIXES = ("83", "85", "86", "87", "89")
AREA_CODES = {"D": ("1",), "L": ("41", "45", "56", "53", "90"), "M": ("21", "61", "51", "66"),
              "C": ("91", "71", "94"), "U": ("74", "49", "47")}
BUSINESS_TRADES = ("Engineering", "Logistics", "Dental Practice", "Pharmacy", "Motors",
                   "Construction", "Accountants", "Solicitors", "Veterinary Clinic", "Foods",
                   "Design", "Electrical", "Consulting", "Hardware", "Bakery", "Hotel")
BUSINESS_SUFFIXES = (" Ltd", " Limited", " DAC", " & Sons", " Group", "")
ENTERPRISE_NAMES = ("Holdings", "Group", "Technologies", "Healthcare", "Retail", "Systems")
MAX_TENURE_YEARS = 8
# the consent columns come from a stream of their own (the customers' stream and this number),
# so adding them left every other column of a seeded world as it was
CONSENT_STREAM = 0xC0
CONSENT_COLUMNS = ("consent_email", "consent_sms", "consent_phone", "preferred_language",
                   "preferred_channel")
LANGUAGES = ("en", "ga", "pl", "pt", "fr")
LANGUAGE_SHARES = (0.90, 0.03, 0.04, 0.015, 0.015)
CHANNELS = ("email", "sms", "phone")
# consent per channel among customers with the general marketing opt-in (e-mail most, a call
# least); without the opt-in a CRM still records some channel consents, which count for nothing
CHANNEL_CONSENT_OPTED_IN = (0.85, 0.60, 0.35)
CHANNEL_CONSENT_OPTED_OUT = (0.30, 0.20, 0.10)


def _pick(rng: np.random.Generator, values, size: int, p=None) -> np.ndarray:
    return np.asarray(values, dtype=object)[rng.choice(len(values), size=size, p=p)]


def _by_segment(rng, segment: np.ndarray, options, shares_by_segment) -> np.ndarray:
    """Draw a categorical per customer with shares that depend on the segment."""
    out = np.empty(segment.size, dtype=object)
    for name, probs in shares_by_segment.items():
        mask = segment == name
        out[mask] = _pick(rng, options, int(mask.sum()), p=np.asarray(probs) / sum(probs))
    return out


def _tenure_days(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days a customer has been with the operator at the start: a steady intake over eight
    years plus a recent wave of newer (and, in the churn model, more fickle) customers."""
    steady = rng.uniform(1, MAX_TENURE_YEARS * 365, n)
    recent = np.minimum(rng.exponential(1.2 * 365, n) + 1, MAX_TENURE_YEARS * 365)
    return np.where(rng.random(n) < 0.7, steady, recent).astype(np.int64)


def _regions(rng: np.random.Generator, segment: np.ndarray) -> np.ndarray:
    """Enterprises concentrate in Dublin; everyone else follows population."""
    consumer_p = np.array([r.customer_share for r in REGIONS])
    enterprise_p = np.array([r.enterprise_share for r in REGIONS])
    idx = np.where(segment == "enterprise",
                   rng.choice(len(REGIONS), segment.size, p=enterprise_p / enterprise_p.sum()),
                   rng.choice(len(REGIONS), segment.size, p=consumer_p / consumer_p.sum()))
    return idx


def _cities(rng: np.random.Generator, region_idx: np.ndarray) -> np.ndarray:
    out = np.empty(region_idx.size, dtype=object)
    for i, region in enumerate(REGIONS):
        mask = region_idx == i
        weights = np.array([c.weight for c in region.cities])
        out[mask] = _pick(rng, [c.name for c in region.cities], int(mask.sum()),
                          p=weights / weights.sum())
    return out


def _slug(expr: pl.Expr) -> pl.Expr:
    """Lower-case ASCII letters only, as mail systems turn "O'Brien" into "obrien"."""
    return expr.str.to_lowercase().str.replace_all(r"[^a-z]", "")


def _contact_columns(rng, segment: np.ndarray, region_codes: np.ndarray) -> pl.DataFrame:
    n = segment.size
    female = rng.random(n) < 0.5
    first = np.where(female, _pick(rng, IrishNames.first_names_female, n),
                     _pick(rng, IrishNames.first_names_male, n))
    last = _pick(rng, IrishNames.last_names, n)
    trade = _pick(rng, BUSINESS_TRADES, n)
    suffix = _pick(rng, BUSINESS_SUFFIXES, n)
    corporate = _pick(rng, ENTERPRISE_NAMES, n)
    digits = rng.integers(0, 100, n)
    domain = _pick(rng, EMAIL_DOMAINS, n)
    mobile = _pick(rng, MOBILE_PREFIXES, n)
    area = np.empty(n, dtype=object)
    for code, codes in AREA_CODES.items():
        mask = region_codes == code
        area[mask] = _pick(rng, codes, int(mask.sum()))
    subscriber = rng.integers(0, 10_000_000, n)
    frame = pl.DataFrame({"segment": segment, "first": first, "last": last, "trade": trade,
                          "suffix": suffix, "corporate": corporate, "digits": digits,
                          "domain": domain, "mobile": mobile, "area": area,
                          "subscriber": subscriber}, strict=False)
    number = pl.col("subscriber").cast(pl.String).str.zfill(7)
    consumer = pl.col("segment") == "consumer"
    return frame.select(
        name=pl.when(consumer).then(pl.concat_str("first", pl.lit(" "), "last"))
        .when(pl.col("segment") == "smb")
        .then(pl.concat_str("last", pl.lit(" "), "trade", "suffix"))
        .otherwise(pl.concat_str("last", pl.lit(" "), "corporate", pl.lit(" plc"))),
        email=pl.when(consumer).then(pl.concat_str(
            _slug(pl.col("first")), pl.lit("."), _slug(pl.col("last")),
            pl.when(pl.col("digits") < 50).then(pl.col("digits").cast(pl.String))
            .otherwise(pl.lit("")), pl.lit("@"), "domain"))
        .when(pl.col("segment") == "smb")
        .then(pl.concat_str(pl.lit("accounts@"), _slug(pl.col("last")),
                            _slug(pl.col("trade")), pl.lit(".ie")))
        .otherwise(pl.concat_str(pl.lit("it.service@"), _slug(pl.col("last")),
                                 _slug(pl.col("corporate")), pl.lit(".com"))),
        phone=pl.when(consumer).then(pl.concat_str(
            pl.lit("+353 "), "mobile", pl.lit(" "), number.str.slice(0, 3), pl.lit(" "),
            number.str.slice(3, 4)))
        .otherwise(pl.concat_str(pl.lit("+353 "), "area", pl.lit(" "), number.str.slice(0, 3),
                                 pl.lit(" "), number.str.slice(3, 4))),
    )


def _consent_columns(rng: np.random.Generator, opt_in: np.ndarray, segment: np.ndarray
                      ) -> pl.DataFrame:
    """Per-channel consent, the language and the preferred channel, as a CRM records them.
    A few customers have no record at all (null: an unknown consent, which means none).
    Drawn from their own stream so the rest of the world does not change with them."""
    n = opt_in.size
    out: dict[str, pl.Series] = {}
    for channel, yes, no in zip(CHANNELS, CHANNEL_CONSENT_OPTED_IN, CHANNEL_CONSENT_OPTED_OUT,
                                strict=True):
        given = rng.random(n) < np.where(opt_in, yes, no)
        unknown = rng.random(n) < 0.03
        out[f"consent_{channel}"] = pl.Series(given).set(pl.Series(unknown), None)
    language = _pick(rng, LANGUAGES, n, p=LANGUAGE_SHARES)
    language[segment != "consumer"] = "en"
    out["preferred_language"] = pl.Series(language.tolist(), dtype=pl.String)
    channel = pl.Series(_pick(rng, CHANNELS, n, p=(0.6, 0.3, 0.1)).tolist(), dtype=pl.String)
    out["preferred_channel"] = channel.set(pl.Series(rng.random(n) < 0.1), None)
    return pl.DataFrame(out)


def build_customers(config: WorldConfig, rng: np.random.Generator) -> pl.DataFrame:
    """One row per customer at the start of the window, sorted by ``customer_id``."""
    n = config.n_customers
    segment = _pick(rng, SEGMENTS, n, p=SEGMENT_SHARES)
    region_idx = _regions(rng, segment)
    region_codes = np.array([r.code for r in REGIONS])[region_idx]
    tenure = _tenure_days(rng, n)
    since = np.datetime64(config.start) - tenure.astype("timedelta64[D]")
    age_years = np.clip(rng.normal(46, 15, n), 18, 88)
    birth = np.datetime64(config.start) - (age_years * 365.25).astype("timedelta64[D]")
    loyalty = np.select([tenure > 6 * 365, tenure > 4 * 365, tenure > 2 * 365],
                        ["gold", "silver", "bronze"], "none")
    contacts = _contact_columns(rng, segment, region_codes)
    frame = pl.DataFrame({
        "customer_id": entity_ids("C", np.arange(1, n + 1), 7),
        "segment": segment,
        "region": np.array([r.name for r in REGIONS])[region_idx],
        "city": _cities(rng, region_idx),
        "contract_type": _by_segment(rng, segment, CONTRACT_TYPES, CONTRACT_SHARES),
        "payment_method": _by_segment(rng, segment, PAYMENT_METHODS, PAYMENT_SHARES),
        "customer_since": since,
        "marketing_opt_in": rng.random(n) < np.where(age_years < 40, 0.65, 0.45),
        "loyalty_tier": loyalty,
        "date_of_birth": birth,
        "_region_code": region_codes,
        "_tenure_days": tenure,
        "_disposition": rng.normal(0, 1, n),
    }, strict=False)
    consent_rng = np.random.default_rng([config.seed, int(Component.CUSTOMERS), CONSENT_STREAM])
    consent = _consent_columns(consent_rng, frame["marketing_opt_in"].to_numpy(), segment)
    frame = pl.concat([frame, contacts, consent], how="horizontal").with_columns(
        pl.col("customer_since").cast(pl.Date),
        pl.when(pl.col("segment") == "consumer").then(pl.col("date_of_birth").cast(pl.Date))
        .otherwise(None).alias("date_of_birth"),
    )
    return frame.select("customer_id", "name", "email", "phone", "segment", "region", "city",
                        "contract_type", "payment_method", "customer_since",
                        "marketing_opt_in", *CONSENT_COLUMNS, "loyalty_tier",
                        "date_of_birth",
                        "_region_code", "_tenure_days", "_disposition")
