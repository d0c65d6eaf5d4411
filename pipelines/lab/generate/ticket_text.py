"""Free-text ticket descriptions and survey comments, as customers write them.

Several templates per category with slots (service, town, time, tier, speed, amount), filled
vectorised: one pass per template, never one Python call per ticket.
"""

from __future__ import annotations

import numpy as np
import polars as pl

TEMPLATES: dict[str, tuple[str, ...]] = {
    "no_service": (
        "No {service} since {since}. Router shows a red light. Tried restarting twice.",
        "{service} completely down in {town} since {since}, working from home and can't do "
        "anything",
        "Lost connection {since}, the whole estate seems to be affected. When will it be back?",
        "Internet dead again. No service at all since {since}.",
        "Our office in {town} has no connectivity since {since}. This is costing us money.",
    ),
    "no_mobile_service": (
        "No signal on my phone in {town} since {since}. Can't make calls or use data.",
        "Phone says no service since {since}, other networks work fine here",
        "Mobile completely dead around {town} {since}, is there an outage?",
    ),
    "tv_no_signal": (
        "TV box says no signal since {since}, nothing on any channel",
        "IPTV not working {since}, kids are going mad. Please fix.",
    ),
    "slow_speed": (
        "Paying for {tier} Mbps but getting {speed} in the evenings. Not acceptable.",
        "Broadband crawling since {since}, speed test shows {speed} Mbps",
        "Very slow internet in {town} {since}, video calls keep freezing",
        "Speeds have been terrible all week, {speed} Mbps on a {tier} Mbps plan",
    ),
    "intermittent_connection": (
        "Connection keeps dropping every few minutes since {since}",
        "Internet cutting in and out all evening, have to keep reconnecting",
    ),
    "tv_freezing": (
        "TV keeps freezing and buffering {since}, unwatchable",
        "Picture pixelating and stopping every few minutes during the match",
    ),
    "slow_mobile_data": (
        "Mobile data useless in {town} in the evenings, pages won't load",
        "4G/5G very slow around {town} since {since}, can't even stream music",
        "Data keeps saying connected but nothing loads near {town}",
    ),
    "call_drops": (
        "Calls dropping constantly in {town} since {since}",
        "Can't make calls, they fail or drop after a few seconds",
    ),
    "vpn_performance": (
        "Site VPN to head office very slow since {since}, ERP timing out",
        "Packet loss on our VPN link in {town}, please investigate urgently",
    ),
    "billing": (
        "I was charged {amount} EUR more than usual this month, please explain",
        "Bill is wrong again, I was promised a discount on my plan",
        "Direct debit taken twice this month",
        "Why did my price go up? Nobody told me about an increase.",
    ),
    "plan_change": (
        "I'd like to upgrade to a faster plan, what are my options?",
        "Want to add another mobile line to my account",
        "Can I move to a cheaper plan when my contract ends?",
    ),
    "relocation": (
        "Moving house next month to {town}, need the broadband moved",
        "How do I transfer my service to my new address?",
    ),
    "equipment": (
        "Router keeps rebooting itself, think it's faulty",
        "Set-top box remote not working, need a replacement",
        "Wifi doesn't reach upstairs, can you send a booster?",
    ),
    "home_network": (
        "Wifi slow on my laptop but fine on the phone, is it your end?",
        "Internet slow in the evenings, not sure if it's my wifi",
    ),
    "follow_up": (
        "Still not fixed! I reported this {since_days} days ago.",
        "Following up on my earlier complaint, nobody has come back to me",
        "Third time calling about the same problem, I want this escalated",
    ),
    "other": (
        "Please update my email address on the account",
        "Question about the terms of my contract",
    ),
}

SINCE = ("this morning", "last night", "about an hour ago", "lunchtime", "early this morning",
         "this afternoon", "yesterday evening", "around 7pm")


def _slots(rng: np.random.Generator, frame: pl.DataFrame) -> pl.DataFrame:
    n = frame.height
    return frame.with_columns(
        since=pl.Series(np.asarray(SINCE, dtype=object)[rng.integers(0, len(SINCE), n)]),
        speed=pl.Series(rng.integers(2, 40, n)).cast(pl.String),
        amount=pl.Series(rng.integers(8, 60, n)).cast(pl.String),
        since_days=pl.Series(rng.integers(2, 6, n)).cast(pl.String),
        tier=pl.col("tier").fill_null(300).cast(pl.String),
        service=pl.col("service_label"),
    )


def describe(frame: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    """A description per row from its ``category``, ``town``, ``tier`` and ``service_label``."""
    filled = _slots(rng, frame)
    pick = rng.random(frame.height)
    text = pl.lit(None, dtype=pl.String)
    for category, templates in TEMPLATES.items():
        which = np.minimum((pick * len(templates)).astype(int), len(templates) - 1)
        for k, template in enumerate(templates):
            mask = (pl.col("category") == category) & pl.Series(which == k)
            text = pl.when(mask).then(_format(template)).otherwise(text)
    return filled.select(description=text).to_series()


def _format(template: str) -> pl.Expr:
    """A template like ``"No {service} since {since}"`` as a polars string expression."""
    pieces, rest = [], template
    while "{" in rest:
        head, tail = rest.split("{", 1)
        name, rest = tail.split("}", 1)
        pieces += [pl.lit(head), pl.col(name)]
    pieces.append(pl.lit(rest))
    return pl.concat_str(pieces)
