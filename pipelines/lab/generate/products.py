"""The commercial side of the catalog: plans, tiers and list prices in EUR per month.

Prices follow what Irish operators charge (2025 price lists, rounded): broadband by speed tier,
SIM-only data allowances, IPTV packages, and enterprise VPN sites by SLA tier, where the tier's
availability target is what the SLA promises and what the fault-impact model must protect.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Plan:
    """One sellable variant: ``value`` is the tier's characteristic (speed, allowance, …)."""

    value: int | str
    list_price_eur: float
    share: float


FTTH_TIERS: tuple[Plan, ...] = (
    Plan(100, 39.99, 0.22), Plan(300, 49.99, 0.36), Plan(500, 59.99, 0.26), Plan(1000, 74.99, 0.16),
)
DATA_PLANS: tuple[Plan, ...] = (  # dataAllowanceGb; 200 is the "unlimited" fair-use plan
    Plan(10, 10.00, 0.25), Plan(30, 15.00, 0.35), Plan(60, 20.00, 0.25), Plan(200, 30.00, 0.15),
)
IPTV_PACKAGES: tuple[Plan, ...] = (
    Plan("basic", 14.99, 0.45), Plan("family", 24.99, 0.35), Plan("sports", 34.99, 0.20),
)
VOICE_PLAN = Plan("unlimited_calls", 12.99, 1.0)


@dataclass(frozen=True)
class SlaTier:
    name: str
    availability_pct: float
    list_price_eur: float
    share: float


VPN_SLA_TIERS: tuple[SlaTier, ...] = (
    SlaTier("gold", 99.99, 499.00, 0.25),
    SlaTier("silver", 99.95, 329.00, 0.45),
    SlaTier("bronze", 99.9, 199.00, 0.30),
)

# business plans carry a small markup for priority support
SEGMENT_PRICE_FACTOR = {"consumer": 1.0, "smb": 1.15, "enterprise": 1.10}


def shares(plans) -> list[float]:
    total = sum(p.share for p in plans)
    return [p.share / total for p in plans]
