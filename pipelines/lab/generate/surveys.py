"""NPS survey responses: a small monthly sample (~4 % of customers) scoring 0–10.

The score falls with recent outages and poor-experience days, with paying above list price,
with open or repeated tickets and with a customer's latent grumpiness, plus noise; people who
have already decided to leave score low. About a third leave a comment, mostly about whatever
bothers them most.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .churn import Exposure
from .clock import DAY_S

MONTHLY_RESPONSE_RATE = 0.04
COMMENTS = {
    "network": ("Service keeps dropping out, not good enough",
                "The outages recently have been a joke",
                "Slow in the evenings, not what I pay for",
                "Coverage around my area has got worse"),
    "price": ("Too expensive for what you get", "Prices keep going up, thinking of switching",
              "New customers get better deals than loyal ones"),
    "care": ("Customer service never got back to me", "Had to call three times about the "
             "same problem", "Support was slow and unhelpful"),
    "praise": ("Fast and reliable, no complaints", "Great service, would recommend",
               "Broadband has been rock solid"),
    "neutral": ("It's grand, does the job", "Fine, nothing special", "Okay overall"),
}


def responses(exposure: Exposure, premium: np.ndarray, disposition: np.ndarray,
              segment: np.ndarray, leaving: np.ndarray, active: np.ndarray, day: int,
              rng: np.random.Generator) -> pl.DataFrame:
    """Survey responses received on ``day``: cust, responded_s, score, comment (or null)."""
    cust = np.flatnonzero(active & (rng.random(active.size) < MONTHLY_RESPONSE_RATE / 30))
    n = cust.size
    network = 1.0 * np.log1p(exposure.outage_h[cust]) + 0.35 * exposure.poor_days[cust]
    price = 2.5 * np.maximum(premium[cust], 0)
    care = 0.7 * exposure.unresolved[cust] + 0.3 * exposure.tickets[cust]
    base = 8.4 + np.where(segment[cust] == "consumer", 0.0, -0.4)
    raw = (base - network - price - care - 0.8 * disposition[cust] - 1.8 * leaving[cust]
           + rng.normal(0, 1.3, n))
    score = np.clip(np.rint(raw), 0, 10).astype(np.int64)
    driver = np.array(["network", "price", "care"])[np.argmax(np.vstack([network, price, care]),
                                                              axis=0)]
    bothered = np.vstack([network, price, care]).max(axis=0) > 0.8
    topic = np.where(score >= 9, "praise", np.where(bothered, driver, "neutral"))
    wants_comment = rng.random(n) < np.where(score <= 6, 0.5, 0.3)
    pick = rng.random(n)
    comment = np.full(n, None, dtype=object)
    for name, texts in COMMENTS.items():
        mask = wants_comment & (topic == name)
        which = np.minimum((pick[mask] * len(texts)).astype(int), len(texts) - 1)
        comment[mask] = np.asarray(texts, dtype=object)[which]
    return pl.DataFrame({"cust": cust, "responded_s": day * DAY_S + rng.uniform(8, 22, n) * 3600,
                         "score": score, "comment": pl.Series(comment.tolist(), dtype=pl.String)})
