"""The incident models' tunables, in one place. They are written to ``incidents.params`` (one
row) before the SQL models run, so every SQL file reads the same values; the silent-degradation
detector's own (``DETECTION``) also go to ``incidents.detection_params``.

Defaults are operational rules of thumb, not fitted to the synthetic world: a flap is a re-raise
within minutes, symptoms follow their cause within two hours. The silent-degradation cut-offs
are *derived from the operator's own history* unless fixed here or in ``cxbridge.toml``
(``[incidents]``, any field below): the z-score cut-offs so that ``false_alarm_rate`` of the
resource-hours in the history itself would cross them (within a floor and a ceiling), the
congested utilisation from the spread of busy-hour utilisation across the network (today's 95 %
as the ceiling); the values used, and how each was derived, are in
``incidents.detection_thresholds`` (see ``silent_thresholds.sql`` and the README). The priority
weights are priors (see ``queue.sql``); ``experience_weight`` was cut from 60 to 1 after it
swamped the minutes at scale 1 (NDCG@10 0.69 → 0.999): a daily SEI point is a coarse echo of
minutes already counted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime

import polars as pl

from cxbridge.platform.settings import SettingsError

MODEL_VERSION = "incidents-1.8"  # 1.1: care_list, incident_access; 1.2: calibrated detection;
#                                   1.3: queue sections (acute, chronic), region in impact_breakdown
#                                   1.4: alarm fingerprints as an md5 digest (portable, stable)
#                                   1.5: one window per resource and stretch (two alarms over it
#                                        no longer add its cells' shares twice); impact kept
#                                        for incidents whose fingerprint is unchanged
#                                   1.6: incident_sessions (the KPI chart's usual level, summed
#                                        at build instead of on each page open)
#                                   1.7: incident_sessions of the root resource too (of_root)
#                                   1.8: incident_hours in place of incident_sessions: every
#                                        counter the KPI chart draws, summed hour by hour


@dataclass(frozen=True)
class Params:
    # correlation (models/incidents/sql/episodes.sql, episode_links.sql)
    flap_gap_minutes: float = 20.0       # a re-raise within this of the last clear: same episode
    flap_min_alarms: int = 3             # alarms in one episode from which it is flapping
    link_before_minutes: float = 10.0    # a symptom may be raised this long before its cause
    link_window_minutes: float = 120.0   # … and up to this long after it (batteries run out)
    peer_window_minutes: float = 15.0    # siblings, pool members, non-affecting alarms: together
    use_hints: bool = True               # break root ties with the source's isRootCause flag
    # stale incidents (alarm_incidents.sql): open longer than this quantile of closed ones
    stale_quantile: float = 0.95
    stale_default_minutes: float = 240.0
    # impact: the share of a mobile service's traffic on the cells behind a fault from which
    # it is hurt, per incident (incident_services.sql) and in the service marts
    # (core.service_fault_intervals, which read it from core.impact_params: see impact_params)
    cell_share_min: float = 0.3
    # silent degradations (silent_*.sql). A value of None is derived from the history.
    # which resource types are judged (comma-separated; a cell's peers: same region and type)
    silent_resource_types: str = "cell"
    # baselines (silent_baselines.sql): a resource's own median and MAD of log(1 + value) per
    # hour of week when it has this many observations there, else per hour of day, else its
    # peers' hour-of-day shape around its own median level; nothing below baseline_min_days
    baseline_min_samples: int = 8        # observations per hour of week / hour of day
    baseline_min_days: int = 3           # days with reports before a resource is judged at all
    baseline_min_periods: int = 3        # a baseline's observations span this many weeks/days
    baseline_min_peers: int = 3          # resources of a region and type for a peer baseline
    baseline_mad_floor: float = 0.1      # the spread of log values is at least this
    # the z-score cut-offs: the quantile of hourly z-scores at false_alarm_rate (collapses) and
    # 1 - false_alarm_rate (surges) over the judged resource-hours, clamped to [floor, ceiling]
    false_alarm_rate: float = 1e-4       # resource-hours the history itself would flag
    silent_z: float | None = None        # a collapse: robust z of the traffic at or below −this
    surge_z: float | None = None         # a surge: robust z of traffic or utilisation ≥ this
    silent_z_floor: float = 3.0
    silent_z_ceiling: float = 8.0
    silent_min_sessions: float = 1.0     # judge hours whose usual traffic is at least this …
    silent_min_level_share: float = 0.05  # … and this share of the resource's busiest hour
    silent_collapse_ratio: float = 0.25  # a collapse: at most this share of the usual level
    silent_recovery_ratio: float = 0.5   # a sleeping cell's run ends at traffic back to this
    silent_peer_ratio: float = 0.5       # … and at most this share of its peers' own ratio
    surge_ratio: float = 2.0             # a surge: at least this multiple of the usual level
    surge_peer_factor: float = 2.0       # … and this multiple of its peers' own ratio
    silent_gap_intervals: int = 2        # bridge gaps of this many 15-minute units in a run
    silent_min_intervals: int = 4        # a run must last this many 15-minute units (an hour)
    # congestion: an interval is congested from congested_util_pct, derived as the network's
    # median busy-hour utilisation + congested_util_z robust standard deviations (over every
    # judged resource-day), clamped to [congested_util_floor, congested_util_ceiling]
    congested_util_pct: float | None = None
    congested_util_z: float = 5.0
    congested_util_floor: float = 85.0
    congested_util_ceiling: float = 95.0
    degraded_util_pct: float | None = None  # impact windows; derived: congested − margin
    degraded_util_margin: float = 5.0
    congested_min_intervals: int = 1     # a congested day: this many 15-minute units at or
    #                                      above congested_util_pct (one: saturates at all)
    chronic_day_share: float = 0.5       # chronic: congested on at least half the days …
    chronic_min_days: int = 7            # … of at least a week of data …
    chronic_peer_z: float = 3.5          # … and far above the cells of its region …
    chronic_mad_floor: float = 0.25      # … (peers' MAD at least this many 15-minute units
    #                                      of congestion a day)
    # revenue (incident_impact.sql): without churn scores, the assumed chance that a customer
    # hit by an incident churns, applied to monthly charges. A prior, not a measurement.
    churn_prior: float = 0.03
    # priority (queue.sql): extra weight per service-minute on top of 1, and per € / SEI point
    smb_weight: float = 0.5
    enterprise_weight: float = 1.0
    sla_weight: float = 3.0
    revenue_weight: float = 10.0         # service-minutes per € a month at risk
    experience_weight: float = 1.0       # service-minutes per SEI point (0–100) lost per service
    # queue sections (queue.sql): a degradation (no service lost) open or lasting longer than
    # this is chronic and ranks below every acute incident, so that the minutes a months-old
    # congestion accumulates never bury a fresh outage
    chronic_after_days: float = 3.0
    as_of: datetime | None = field(default=None)  # "now"; default: the end of the newest data

    def sql_parameters(self, run_id: str) -> dict[str, object]:
        """The values ``incidents/params.sql`` binds (every field but the detector's own)."""
        values = {k: v for k, v in asdict(self).items()
                  if k != "use_hints" and (k not in DETECTION or k in _IN_PARAMS_SQL)}
        return values | {"model_version": MODEL_VERSION, "run_id": run_id}

    def detection_parameters(self) -> dict[str, object]:
        """The values ``incidents/detection_params.sql`` binds: the silent detector's fields."""
        return {k: v for k, v in asdict(self).items() if k in DETECTION}

    def with_overrides(self, overrides: Mapping[str, object], origin: str = "overrides"
                       ) -> Params:
        """A copy with ``overrides`` (e.g. the ``[incidents]`` table of ``cxbridge.toml``,
        named by ``origin`` in errors) applied; a name that is no field, or a value of the
        wrong kind, is an error that says which and what is allowed."""
        known = {f.name for f in fields(self)} - {"as_of"}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise SettingsError(f"{origin}: unknown key(s) {', '.join(unknown)}; allowed: "
                                f"{', '.join(sorted(known))}")
        changed = {name: _checked(name, value, getattr(Params, name), origin)
                   for name, value in overrides.items()}
        return replace(self, **changed)


def _checked(name: str, value: object, default: object, origin: str) -> object:
    """``value`` as the kind of ``default`` (a number where the default is None)."""
    kind = type(default) if default is not None else float
    fits = (isinstance(value, bool) if kind is bool
            else isinstance(value, int) and not isinstance(value, bool) if kind is int
            else isinstance(value, int | float) and not isinstance(value, bool)
            if kind is float else isinstance(value, kind))
    if not fits:
        raise SettingsError(f"{origin}: {name} = {value!r} is not a {kind.__name__}")
    return kind(value)


def impact_params(frame: pl.DataFrame, params: Params) -> pl.DataFrame:
    """The Python step of ``core.impact_params`` (``models/service/sql/core/impact_params.sql``):
    one row holding, for each column of ``frame`` (its SELECT's), the field of ``params`` of
    that name. The service marts read the thresholds they share with the incident models from
    it, so that both apply the same value (``cxbridge.models.graph.model_graph``)."""
    return pl.DataFrame({name: [getattr(params, name)] for name in frame.columns},
                        schema=frame.schema)


# the silent detector's fields (incidents.detection_params); those params.sql also binds
DETECTION = frozenset({
    "silent_resource_types", "baseline_min_samples", "baseline_min_days", "baseline_min_periods",
    "baseline_min_peers",
    "baseline_mad_floor", "false_alarm_rate", "silent_z", "surge_z", "silent_z_floor",
    "silent_z_ceiling", "silent_min_sessions", "silent_min_level_share", "silent_collapse_ratio",
    "silent_recovery_ratio", "silent_peer_ratio", "surge_ratio", "surge_peer_factor",
    "silent_gap_intervals", "silent_min_intervals", "congested_util_pct", "congested_util_z",
    "congested_util_floor", "congested_util_ceiling", "degraded_util_pct", "degraded_util_margin",
    "congested_min_intervals", "chronic_day_share", "chronic_min_days", "chronic_peer_z",
    "chronic_mad_floor"})
_IN_PARAMS_SQL = frozenset({
    "silent_min_sessions", "silent_z", "silent_collapse_ratio", "silent_peer_ratio",
    "silent_gap_intervals", "silent_min_intervals", "congested_util_pct", "degraded_util_pct",
    "congested_min_intervals", "chronic_day_share", "chronic_min_days", "chronic_peer_z",
    "chronic_mad_floor"})
