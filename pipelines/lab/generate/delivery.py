"""What of a world is delivered: which feeds are written, and in which PM dialects.

A world is decided by its :class:`~.config.WorldConfig` alone; a :class:`Delivery` only chooses
how much of it reaches the raw folder and how the counters are expressed, the way two operators
with the same network could export different subsets in different vendor formats. So a world
written with only some feeds is the same world: every file it does write is byte-identical to
the full world's, and ``_truth/`` is always complete.

Dialect C is a RAN vendor: when it is delivered, it runs the radio network of vendor B's regions
(Munster and Connacht): their cells are reported by it (topology's ``vendor`` column says ``C``,
their alarms come from ``EMS-RAN-C``) while B keeps their fixed access and transport.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxbridge.platform.errors import UserError

FEEDS = ("customers", "services", "catalog", "topology", "kpis", "alarms", "usage", "tickets",
         "surveys")
PM_DIALECTS = ("A", "B", "C")
DEFAULT_PM_DIALECTS = ("A", "B")
VENDOR_C_TAKES_OVER = "B"  # the region vendor whose radio network vendor C supplies
VENDOR_C_TYPES = ("cell",)


class DeliveryError(UserError, ValueError):
    """A feed or dialect name the generator does not know; the message lists the valid ones."""


def _names(value: str | tuple[str, ...] | list[str], *, upper: bool = False) -> tuple[str, ...]:
    items = value.split(",") if isinstance(value, str) else list(value)
    cleaned = [item.strip() for item in items if item.strip()]
    return tuple(item.upper() if upper else item.lower() for item in cleaned)


@dataclass(frozen=True)
class Delivery:
    """Feeds to write (ingest source names) and PM dialects to express the counters in.

    Dialect A is always needed (it reports the national platforms); without B its regions
    report in A, without C the vendor-C cells report in their region's dialect.
    """

    feeds: tuple[str, ...] = FEEDS
    pm_dialects: tuple[str, ...] = DEFAULT_PM_DIALECTS

    def __post_init__(self) -> None:
        unknown = sorted(set(self.feeds) - set(FEEDS))
        if unknown or not self.feeds:
            raise DeliveryError(
                f"feeds: {', '.join(unknown) or 'none given'} "
                f"{'is not a feed' if len(unknown) == 1 else 'are not feeds'}; choose among "
                f"{', '.join(FEEDS)} (comma-separated, e.g. --feeds kpis,topology,alarms)")
        bad = sorted(set(self.pm_dialects) - set(PM_DIALECTS))
        if bad or "A" not in self.pm_dialects:
            raise DeliveryError(
                f"pm dialects: {', '.join(bad) + ' unknown' if bad else 'A missing'}; choose "
                f"among {', '.join(PM_DIALECTS)} and include A, which reports the national "
                "platforms (e.g. --pm-dialects A,B,C)")
        object.__setattr__(self, "feeds", tuple(f for f in FEEDS if f in self.feeds))
        object.__setattr__(self, "pm_dialects",
                           tuple(d for d in PM_DIALECTS if d in self.pm_dialects))

    @classmethod
    def parse(cls, feeds: str | None = None, pm_dialects: str | None = None) -> Delivery:
        """From command-line text: ``"kpis,topology"`` and ``"A,B,C"`` (None: the default)."""
        return cls(feeds=_names(feeds) if feeds else FEEDS,
                   pm_dialects=_names(pm_dialects, upper=True) if pm_dialects
                   else DEFAULT_PM_DIALECTS)

    @property
    def complete(self) -> bool:
        return self.feeds == FEEDS

    def writes(self, feed: str) -> bool:
        return feed in self.feeds

    def writes_path(self, relative: str) -> bool:
        """Whether a file at ``relative`` (to the raw folder) belongs to a delivered feed;
        files outside the feeds (the world manifest, ``_truth/``, ``_mappings/``) always are."""
        top = relative.split("/", 1)[0]
        return top not in FEEDS or top in self.feeds


def reporting_vendors(region_vendors: np.ndarray, types: np.ndarray,
                      dialects: tuple[str, ...]) -> np.ndarray:
    """The dialect each resource's counters are reported in, given the delivered dialects
    (``region_vendors``: the vendor of each resource's region, as the topology builds it)."""
    region_vendors = np.asarray(region_vendors).astype(str)
    vendors = region_vendors.astype(object)
    if "C" in dialects:
        vendors[np.isin(types, VENDOR_C_TYPES) & (region_vendors == VENDOR_C_TAKES_OVER)] = "C"
    if "B" not in dialects:
        vendors[vendors == "B"] = "A"
    return vendors.astype(str)
