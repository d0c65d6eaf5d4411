"""The incident models' tunables, in one place. They are written to ``incidents.params`` (one
row) before the SQL models run, so every SQL file reads the same values.

Defaults are operational rules of thumb, not fitted to the synthetic world: a flap is a re-raise
within minutes, symptoms follow their cause within two hours, a silent collapse is a robust
z-score beyond 4, a chronically congested cell saturates (95 % utilisation) in its busy hour on
most days. The priority weights are priors (see ``queue.sql``); ``experience_weight`` was cut
from 60 to 1 after it swamped the minutes at scale 1 (NDCG@10 0.69 → 0.999): a daily SEI point
is a coarse echo of minutes already counted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

MODEL_VERSION = "incidents-1.1"  # 1.1: care_list, incident_access


@dataclass(frozen=True)
class Params:
    # correlation (pipelines/sql/incidents/episodes.sql, episode_links.sql)
    flap_gap_minutes: float = 20.0       # a re-raise within this of the last clear: same episode
    flap_min_alarms: int = 3             # alarms in one episode from which it is flapping
    link_before_minutes: float = 10.0    # a symptom may be raised this long before its cause
    link_window_minutes: float = 120.0   # … and up to this long after it (batteries run out)
    peer_window_minutes: float = 15.0    # siblings, pool members, non-affecting alarms: together
    use_hints: bool = True               # break root ties with the source's isRootCause flag
    # stale incidents (alarm_incidents.sql): open longer than this quantile of closed ones
    stale_quantile: float = 0.95
    stale_default_minutes: float = 240.0
    # impact (incident_services.sql): the share of a mobile service's traffic on the cells
    # behind a fault from which it is hurt (the same 30 % as core.service_fault_intervals)
    cell_share_min: float = 0.3
    # silent degradations (silent_cells.sql, silent_incidents.sql)
    silent_min_sessions: float = 5.0     # judge only cells usually this busy at that hour
    silent_z: float = 4.0                # robust z-score of log sessions at or below −this
    silent_collapse_ratio: float = 0.25  # … and at most this share of the usual level
    silent_peer_ratio: float = 0.5       # … and at most this share of the region's own ratio
    silent_gap_intervals: int = 2        # bridge this many normal intervals inside a run
    silent_min_intervals: int = 4        # a run must last an hour
    congested_util_pct: float = 95.0     # an interval this busy is congested
    degraded_util_pct: float = 90.0      # … and from this it degrades users (impact windows)
    congested_min_intervals: int = 1     # a congested day: the busy hour saturates at all
    chronic_day_share: float = 0.5       # chronic: congested on at least half the days …
    chronic_min_days: int = 7            # … of at least a week of data …
    chronic_peer_z: float = 3.5          # … and far above the cells of its region …
    chronic_mad_floor: float = 0.25      # … (peers' MAD at least this, intervals a day)
    # revenue (incident_impact.sql): without churn scores, the assumed chance that a customer
    # hit by an incident churns, applied to monthly charges. A prior, not a measurement.
    churn_prior: float = 0.03
    # priority (queue.sql): extra weight per service-minute on top of 1, and per € / SEI point
    smb_weight: float = 0.5
    enterprise_weight: float = 1.0
    sla_weight: float = 3.0
    revenue_weight: float = 10.0         # service-minutes per € a month at risk
    experience_weight: float = 1.0       # service-minutes per SEI point (0–100) lost per service
    as_of: datetime | None = field(default=None)  # "now"; default: the end of the newest data

    def sql_parameters(self, run_id: str) -> dict[str, object]:
        values = {k: v for k, v in asdict(self).items() if k != "use_hints"}
        return values | {"model_version": MODEL_VERSION, "run_id": run_id}
