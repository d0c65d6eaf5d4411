"""Words on screen for codes in the data: dimensions, their values, and metric values.

Metric labels, meanings, units and targets come from :mod:`cxbridge.platform.metrics`; this module
only turns codes (``cfs_type``, ``mobile_data``) into plain words and numbers into readable text.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from cxbridge.dashboards import clock
from cxbridge.platform.metrics import Metric

DIMENSION_LABELS: dict[str, str] = {
    "region": "Region",
    "segment": "Customer segment",
    "cfs_type": "Service type",
}

_VALUE_LABELS: dict[str, dict[str, str]] = {
    "segment": {"consumer": "Consumer", "smb": "Small business", "enterprise": "Enterprise"},
    "cfs_type": {
        "ftth": "FTTH broadband",
        "iptv": "IPTV",
        "mobile_data": "Mobile data",
        "mobile_voice": "Mobile voice",
        "enterprise_vpn": "Enterprise VPN",
    },
}

_DECIMALS: dict[str, int] = {"%": 2, "ms": 1, "GB/day": 2, "hours": 1, "points": 1,
                             "per 1,000/day": 1, "customers": 1}

# Codes in the model tables, in words.
CODE_LABELS: dict[str, dict[str, str]] = {
    "status": {"open": "Open", "stale": "Open, clear not received", "cleared": "Cleared",
               "resolved": "Resolved", "closed": "Closed", "active": "Active",
               "terminated": "Left", "inProgress": "In progress", "pending": "Pending"},
    "severity": {"critical": "Critical", "major": "Major", "minor": "Minor",
                 "warning": "Warning", "indeterminate": "Indeterminate", "cleared": "Cleared"},
    "role": {"root": "Root cause", "symptom": "Symptom", "attached": "Related alarm"},
    "source": {"alarm": "Alarm", "silent": "No alarm (silent)"},
    "risk_band": {"high": "High", "medium": "Medium", "low": "Low"},
    "resource_type": {"olt": "OLT", "pon_port": "PON port", "bng": "BNG",
                      "dns_resolver": "DNS resolver", "agg_router": "Aggregation router",
                      "core_router": "Core router", "cell": "Radio cell", "site": "Cell site",
                      "ims": "IMS core", "iptv_headend": "IPTV headend",
                      "transport_ring": "Transport ring", "olt_card": "OLT line card"},
    "contract_type": {"monthly": "Month to month", "month_to_month": "Month to month",
                      "one_year": "One year", "two_year": "Two years"},
    "payment_method": {"direct_debit": "Direct debit", "card": "Card", "invoice": "Invoice"},
}


def dimension_label(dimension: str) -> str:
    """'Service type' for ``cfs_type``."""
    return DIMENSION_LABELS.get(dimension, dimension.replace("_", " ").capitalize())


def value_label(dimension: str, value: str) -> str:
    """'Mobile data' for ``mobile_data``; region names are already words."""
    known = _VALUE_LABELS.get(dimension, {})
    if value in known:
        return known[value]
    return value if dimension == "region" else value.replace("_", " ").capitalize()


def format_number(metric: Metric, value: float | None) -> str:
    """The value without its unit, with the precision the unit needs ('99.95', '12,480')."""
    if value is None:
        return "–"
    decimals = _DECIMALS.get(metric.unit, 0)
    return f"{value:,.{decimals}f}"


def format_value(metric: Metric, value: float | None) -> str:
    """The value with its unit ('99.95 %', '23.4 ms', '12,480 services')."""
    if value is None:
        return "no data"
    return f"{format_number(metric, value)} {metric.unit}"


def format_threshold(metric: Metric, value: float) -> str:
    """A target or threshold as written in the registry, with its unit ('99.9 %', '1 %')."""
    return f"{value:,.6f}".rstrip("0").rstrip(".") + f" {metric.unit}"


def target_phrase(metric: Metric) -> str:
    """'At least 99.9 %', 'At most 30 ms', or 'None set'."""
    if metric.target is None:
        return "None set"
    return f"{_bound(metric).capitalize()} {format_threshold(metric, metric.target)}"


def target_text(metric: Metric) -> str:
    """'Target: at least 99.9 %', or 'No target set'."""
    if metric.target is None:
        return "No target set"
    return f"Target: {_bound(metric)} {format_threshold(metric, metric.target)}"


def poor_text(metric: Metric) -> str:
    """'Poor below 99.5 %', or '' when the metric has no poor threshold."""
    if metric.poor_threshold is None:
        return ""
    side = "below" if metric.direction == "higher_is_better" else "above"
    return f"Poor {side} {format_threshold(metric, metric.poor_threshold)}"


def direction_text(metric: Metric) -> str:
    """'Higher is better' or 'Lower is better'."""
    return "Higher is better" if metric.direction == "higher_is_better" else "Lower is better"


def _bound(metric: Metric) -> str:
    return "at least" if metric.direction == "higher_is_better" else "at most"


def code_label(kind: str, code: str | None) -> str:
    """A code from a model table in words: ``code_label('status', 'stale')``; unknown codes
    are turned into words (``lossOfSignal`` → 'Loss of signal', ``sleeping_cell`` →
    'Sleeping cell')."""
    if code is None:
        return "–"
    known = CODE_LABELS.get(kind, {})
    return known.get(code) or humanise(code)


def humanise(code: str) -> str:
    """``lossOfSignal`` → 'Loss of signal'; ``no_mobile_service`` → 'No mobile service'."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", code).replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:].lower() if spaced else code


def cfs_list(codes: list[str] | None) -> str:
    """['ftth', 'iptv'] → 'FTTH broadband, IPTV'."""
    return ", ".join(value_label("cfs_type", c) for c in codes or [])


def format_count(value: float | None) -> str:
    """'12,480' (or '–')."""
    return "–" if value is None else f"{value:,.0f}"


def format_euros(value: float | None) -> str:
    """'€12,480' (or '–')."""
    return "–" if value is None else f"€{value:,.0f}"


def format_decimal(value: float | None, decimals: int = 1, unit: str = "") -> str:
    """'98.9 %', '34.2' (or '–' for a value not measured)."""
    if value is None:
        return "–"
    return f"{value:,.{decimals}f}" + (f" {unit}" if unit else "")


def format_minutes(minutes: float | None) -> str:
    """'45 min', '3 h 20 min', '2 d 4 h'."""
    if minutes is None:
        return "–"
    minutes = round(minutes)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_time(value: datetime | None) -> str:
    """'Sun 15 Mar 06:00 GMT': a snapshot time (UTC) in the dashboard's zone, with its
    abbreviation (:func:`cxbridge.dashboards.clock.format_time`)."""
    return clock.format_time(value)


def format_day(value: date | None) -> str:
    """'15 Mar 2026'."""
    return "–" if value is None else f"{value.day} {value:%b %Y}"


def sentence_case(text: str | None) -> str:
    """'holds 11 services' → 'Holds 11 services' (reasons and labels written in lower case)."""
    return text[:1].upper() + text[1:] if text else ""
