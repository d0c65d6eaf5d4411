"""Time in the world: UTC 15-minute intervals, and what they are in Irish local time.

Everything inside the generator counts seconds from the window start (UTC midnight of
``start``). Customers live by local time (Europe/Dublin: the evening peak is 19–23h local, which
moves by an hour in UTC when summer time ends) and vendor B reports in local time, one file per
local day, so a local day can hold 92, 96 or 100 intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from .config import LOCAL_TIMEZONE

INTERVAL_S = 900
INTERVALS_PER_DAY = 96
DAY_S = 86_400


@dataclass(frozen=True)
class Clock:
    start: date
    days: int
    timezone: str = LOCAL_TIMEZONE

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def origin(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)

    def at(self, seconds: float) -> datetime:
        """The UTC instant ``seconds`` after the window start."""
        return self.origin + timedelta(seconds=float(seconds))

    def iso(self, seconds: float) -> str:
        """ISO 8601 UTC with ``Z``, second precision."""
        return self.at(round(seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def day_of(self, seconds: float) -> int:
        return int(seconds // DAY_S)

    def interval_starts(self, day: int) -> np.ndarray:
        """Seconds from origin of the 96 UTC intervals of window day ``day``."""
        return day * DAY_S + np.arange(INTERVALS_PER_DAY) * INTERVAL_S

    def utc_labels(self, day: int) -> list[str]:
        return [self.iso(s) for s in self.interval_starts(day)]

    def local_times(self, seconds: np.ndarray) -> list[datetime]:
        return [self.at(s).astimezone(self.zone) for s in seconds]

    def local_hour_and_weekday(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Local fractional hour (0–24) and weekday (0 = Monday) of each UTC interval."""
        local = self.local_times(self.interval_starts(day))
        hours = np.array([t.hour + t.minute / 60 for t in local])
        weekday = np.array([t.weekday() for t in local])
        return hours, weekday

    def local_day_span(self, day: int) -> tuple[int, int]:
        """Seconds from origin of the start and end of local calendar day ``start + day``."""
        local_date = self.start + timedelta(days=day)
        begin = datetime(local_date.year, local_date.month, local_date.day, tzinfo=self.zone)
        end_date = local_date + timedelta(days=1)
        end = datetime(end_date.year, end_date.month, end_date.day, tzinfo=self.zone)
        return (int((begin - self.origin).total_seconds()),
                int((end - self.origin).total_seconds()))

    def local_labels(self, seconds: np.ndarray) -> list[str]:
        """``2026-10-25 01:45:00+01:00`` for each instant."""
        return [t.isoformat(sep=" ") for t in self.local_times(seconds)]

    def date_of(self, day: int) -> date:
        return self.start + timedelta(days=day)

    def stamp(self, day: int) -> str:
        """``YYYYMMDD`` of window day ``day``, for file names."""
        return self.date_of(day).strftime("%Y%m%d")

    @property
    def needs_lead_day(self) -> bool:
        """Whether the first local day starts before the first UTC day (summer time)."""
        return self.local_day_span(0)[0] < 0
