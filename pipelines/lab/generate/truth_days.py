"""Collects each day's true service impact and turns it into the truth tables.

Minutes are whole minutes rounded up from whole seconds (a 20-second flap is a minute of
impact).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .experience import cause_label
from .truth import churn_frame


def _whole_minutes(seconds: pl.Expr) -> pl.Expr:
    return (seconds + 59).floordiv(60).cast(pl.Int32)


class TruthDays:
    def __init__(self) -> None:
        self.parts: list[pl.DataFrame] = []

    def add(self, day: int, causes: pl.DataFrame) -> None:
        self.parts.append(causes.select("row", "cause", "outage_s", "degraded_s")
                          .with_columns(day=pl.lit(day, pl.Int32)))

    def _all(self, world) -> pl.DataFrame:
        frame = pl.concat(self.parts) if self.parts else pl.DataFrame(schema={
            "row": pl.Int64, "cause": pl.Int32, "outage_s": pl.Int64,
            "degraded_s": pl.Int64, "day": pl.Int32})
        return frame.with_columns(
            service_id=world.services["service_id"].gather(frame["row"]),
            date=pl.lit(world.config.start) + pl.duration(days=pl.col("day")))

    def incident_services(self, world) -> pl.DataFrame:
        """incident_id, service_id, date, impact_minutes, impact — per incident service-day."""
        frame = self._all(world).filter(pl.col("cause") >= 0)
        return frame.select(
            incident_id=pl.format("INC-{}", (pl.col("cause") + 1).cast(pl.String).str.zfill(5)),
            service_id="service_id", date="date",
            impact_minutes=_whole_minutes(pl.col("outage_s") + pl.col("degraded_s")),
            impact=pl.when(pl.col("outage_s") > 0).then(pl.lit("outage"))
            .otherwise(pl.lit("degradation")),
        ).sort("incident_id", "service_id", "date")

    def service_day_impact(self, world) -> pl.DataFrame:
        """service_id, date, outage_minutes, degraded_minutes, cause (+ incident_id): every
        degraded service-day, with the cause behind most of its bad minutes."""
        frame = self._all(world).with_columns(bad=pl.col("outage_s") + pl.col("degraded_s"))
        per = (frame.sort("service_id", "date", "bad", "cause",
                          descending=[False, False, True, False])
               .group_by("service_id", "date", maintain_order=True)
               .agg(pl.col("outage_s").sum(), pl.col("degraded_s").sum(),
                    pl.col("cause").first()))
        cause = per["cause"].to_numpy()
        label = cause_label(cause, world.incidents)
        return per.select(
            "service_id", "date",
            outage_minutes=_whole_minutes(pl.col("outage_s").clip(0, 86_400)),
            degraded_minutes=_whole_minutes(pl.col("degraded_s").clip(0, 86_400)),
            cause=pl.Series(label.astype(str)),
            incident_id=pl.when(pl.col("cause") >= 0).then(
                pl.format("INC-{}", (pl.col("cause") + 1).cast(pl.String).str.zfill(5))),
        )

    def churn(self, world, churn_day: np.ndarray, cause: np.ndarray,
              network_share: np.ndarray) -> pl.DataFrame:
        return churn_frame(world.customers["customer_id"], churn_day, cause, network_share,
                           world.clock)

