"""Words on screen for codes in the data: dimensions, their values, and metric values.

Metric labels, meanings, units and targets come from :mod:`pipelines.metrics`; this module only
turns codes (``cfs_type``, ``mobile_data``) into plain words and numbers into readable text.
"""

from __future__ import annotations

from pipelines.metrics import Metric

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

_DECIMALS: dict[str, int] = {"%": 2, "ms": 1, "GB/day": 2}


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
