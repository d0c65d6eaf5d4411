"""The Service Experience Index (SEI): one 0–100 score per service per day, explainable.

Each **component** turns what the service experienced that day (``marts.service_daily``) into a
0–100 score with a published law (:mod:`cxbridge.models.experience.laws`, :mod:`.emodel`). Only the
components that make sense for the CFS type apply, with the weights in ``WEIGHTS``:

| component     | measured as (service-day)                             | law                      |
|---------------|-------------------------------------------------------|--------------------------|
| availability  | minutes with a service-affecting fault on its path    | linear, 0 at 4 h         |
|               | (no alarm feed: minutes unavailable by the PM counter)|                          |
| accessibility | failed ÷ attempted sessions (xDR), lower 95 % bound   | linear, 0 at 15 % failed |
| retainability | drops ÷ set-up attempts on its access resources       | linear, 0 at 10 % drops  |
| throughput    | worst-hour throughput ÷ reference rate (see below)    | logarithmic (WQL)        |
| latency       | worst-hour round-trip time on its path                | exponential (IQX)        |
| loss          | worst-hour packet loss on its path                    | exponential (IQX)        |
| voice         | E-model R from worst-hour RTT, jitter, loss (AMR-WB)  | ITU-T G.107 / G.107.1    |
| video         | stalls per viewing session and their mean length      | Hoßfeld stalling model   |

The **index** is the weighted geometric mean of the applicable components,
``SEI = 100 · Π (sᵢ/100)^(wᵢ/Σw)``: a single collapsed component drags the day down (an
all-day outage cannot be averaged away by good latency), and every component's share of the
drop is explicit (its weighted log-deficit), which is what the explanation names.

A **poor-experience day** is SEI below ``POOR_BELOW`` (70), or any component below
``COMPONENT_FAIL_BELOW`` (40): about an hour and a half of outage, a fifth of sessions failing.

**Absent is not bad (nor good).** A missing measurement (no sessions, no KPI reported, a
counter the PM export does not carry, no alarm feed) leaves its component out rather than
counting it as perfect or as zero: its ``score_*`` is NULL ("not measured") and the index is
the geometric mean of the measured components with their weights renormalised, so a missing
counter never changes the other components' scores. Availability is measured by the alarm
feed's fault minutes (``outage_minutes``, NULL while no alarm feed was ever loaded; with one, a
day without a fault is a measured 0) or, without an alarm feed, by the PM counter's minutes
unavailable (``pm_unavailable_minutes``); with neither it is not measured. A service-day with
no component at all has no index (``sei`` NULL) and is not judged (``poor`` NULL).

Each scored day says how much of its index was measured:

* ``components_measured``: how many of the components that apply to its CFS type were measured;
* ``coverage``: their share of the weights that apply to its CFS type, 0–1 (1: everything the
  index is made of was measured; 0.35 on an FTTH day: availability alone).

**Reference rates.** Throughput is judged against a reference downlink rate that depends on the
access technology (``REFERENCE_DOWNLINK``): fixed access (FTTH) against the plan rate the
customer pays for, mobile against a per-technology rate (capped by the plan's own rate when the
plan states one). The technology comes from an optional ``access_technology`` input column
(``lte``, ``5g_nsa``…; the UE logs' ``LTE``, ``5G``, ``HSPA+`` are understood) and otherwise
from the CFS type (``CFS_TECHNOLOGY``: mobile services are taken as LTE, 30 Mbit/s, which is
what every mobile service was judged against before the table existed).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from cxbridge.models.experience import laws
from cxbridge.models.experience.emodel import score_measurements

POOR_BELOW = 70.0
EXPLAIN_BELOW = 90.0             # days scoring below this get a reason in words
COMPONENT_FAIL_BELOW = 40.0
OUTAGE_MINUTES_AT_ZERO = 240.0   # availability scores 0 after 4 hours of faults in a day
VOICE_CODEC = "AMR-WB"           # VoLTE's default wideband codec (12.65 kbit/s)

COMPONENTS: dict[str, str] = {   # component → plain-language label
    "availability": "Availability",
    "accessibility": "Connecting",
    "retainability": "Staying connected",
    "throughput": "Speed",
    "latency": "Responsiveness",
    "loss": "Packet loss",
    "voice": "Call quality",
    "video": "TV streaming",
}

WEIGHTS: dict[str, dict[str, float]] = {
    "ftth": {"availability": 0.35, "accessibility": 0.2, "throughput": 0.15, "latency": 0.15,
             "loss": 0.15},
    "mobile_data": {"availability": 0.3, "accessibility": 0.15, "retainability": 0.15,
                    "throughput": 0.15, "latency": 0.15, "loss": 0.1},
    "mobile_voice": {"availability": 0.3, "accessibility": 0.2, "retainability": 0.2,
                     "voice": 0.3},
    "iptv": {"availability": 0.4, "video": 0.4, "loss": 0.2},
    "enterprise_vpn": {"availability": 0.5, "latency": 0.25, "loss": 0.25},
}
DEFAULT_WEIGHTS = {"availability": 0.5, "accessibility": 0.25, "latency": 0.25}


@dataclass(frozen=True)
class ReferenceRate:
    """The downlink rate a service's worst-hour throughput is judged against."""

    mbps: float | None   # None: the plan rate the customer pays for
    source: str          # where the default comes from (a published target, or a judgement)


# Reference downlink rates per access technology. Mobile plans sell volume, not speed, so a
# mobile service is judged against what its technology is meant to deliver to a user; a fixed
# line against the rate on the customer's contract.
REFERENCE_DOWNLINK: dict[str, ReferenceRate] = {
    "fixed": ReferenceRate(None, "the plan's download rate (TMF638 serviceCharacteristic "
                                 "downloadSpeedMbps): FTTH and any fixed access sell a speed"),
    "3g": ReferenceRate(10.0, "judgement, anchored on the UK broadband universal service "
                              "obligation's 'decent broadband' download speed of 10 Mbit/s "
                              "(The Electronic Communications (Universal Service) (Broadband) "
                              "Order 2018, SI 2018/445, Schedule 1)"),
    "lte": ReferenceRate(30.0, "the Digital Agenda for Europe's 'fast broadband' target of "
                               "30 Mbit/s for all by 2020 (European Commission, COM(2010) 245); "
                               "the value every mobile service was judged against before this "
                               "table. For scale, the Irish 4G/5G UE logs (Raca et al., MMSys "
                               "2020) measured a 6.8 Mbit/s median (21 at the 90th percentile) "
                               "during LTE downloads while driving: a real network often falls "
                               "well short of the target, which is what the index should show"),
    "5g_nsa": ReferenceRate(100.0, "ITU-R M.2410-0 (11/2017): the IMT-2020 user experienced "
                                   "data rate, 100 Mbit/s downlink (Dense Urban – eMBB). "
                                   "Applying it to non-standalone 5G (NR radio on an LTE core) "
                                   "is a judgement: the radio requirement is the same"),
    "5g_sa": ReferenceRate(100.0, "ITU-R M.2410-0 (11/2017): the IMT-2020 user experienced "
                                  "data rate, 100 Mbit/s downlink (Dense Urban – eMBB)"),
}
# The technology a CFS type is taken to use when the input does not say (``access_technology``).
CFS_TECHNOLOGY: dict[str, str] = {"ftth": "fixed", "iptv": "fixed", "enterprise_vpn": "fixed",
                                  "mobile_data": "lte", "mobile_voice": "lte"}
DEFAULT_TECHNOLOGY = "fixed"
# Names other feeds use for a technology (the Irish UE logs' NetworkMode, common spellings).
TECHNOLOGY_ALIASES: dict[str, str] = {
    "ftth": "fixed", "gpon": "fixed", "xgs-pon": "fixed", "fttp": "fixed",
    "umts": "3g", "hspa": "3g", "hspa+": "3g", "hsdpa": "3g", "hsupa": "3g", "3g": "3g",
    "lte": "lte", "4g": "lte", "lte-a": "lte",
    "5g": "5g_nsa", "5g nsa": "5g_nsa", "5g_nsa": "5g_nsa", "nr nsa": "5g_nsa", "en-dc": "5g_nsa",
    "5g sa": "5g_sa", "5g_sa": "5g_sa", "nr": "5g_sa", "nr sa": "5g_sa",
}

INPUT_COLUMNS = ("date", "service_id", "customer_id", "cfs_type", "segment", "region",
                 "access_resource_id", "outage_minutes", "fault_resource_id", "first_fault_at",
                 "sessions", "session_failures",
                 "access_attempts", "drops", "throughput_mbps_worst_hour", "plan_download_mbps",
                 "latency_ms_worst_hour", "jitter_ms", "packet_loss_pct_worst_hour",
                 "video_stall_count", "video_stall_seconds")
# Read when present, NULL (not measured) when absent: older callers do not pass them.
OPTIONAL_COLUMNS = ("pm_unavailable_minutes", "access_technology")


def _col(frame: pl.DataFrame, name: str) -> np.ndarray:
    return frame[name].cast(pl.Float64).fill_null(np.nan).to_numpy()


def _wilson_lower(failures: np.ndarray, attempts: np.ndarray, z: float = 1.96) -> np.ndarray:
    """The lower 95 % Wilson bound of a failure share: what the evidence supports. One failed
    call out of eleven is 9 %, but could well be bad luck at a normal 1 % (bound 1.6 %);
    five out of twenty-two (bound 10 %) cannot."""
    out = np.full(failures.shape, np.nan)
    ok = np.isfinite(failures) & np.isfinite(attempts) & (attempts > 0)
    n, p = attempts[ok], np.clip(failures[ok] / attempts[ok], 0.0, 1.0)
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    out[ok] = np.clip((centre - spread) / (1 + z * z / n), 0.0, 1.0)
    return out


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(numerator.shape, np.nan)
    ok = np.isfinite(numerator) & np.isfinite(denominator) & (denominator > 0)
    out[ok] = np.clip(numerator[ok] / denominator[ok], 0.0, 1.0)
    return out


def component_scores(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """Every component's 0–100 score for every row (NaN where it was not measured)."""
    cfs = frame["cfs_type"].to_numpy()
    plan = reference_downlink_mbps(frame)
    throughput = _col(frame, "throughput_mbps_worst_hour")
    measured = np.isfinite(throughput) & np.isfinite(plan) & (plan > 0)
    throughput_score = np.full(len(frame), np.nan)
    throughput_score[measured] = laws.throughput_score(
        np.maximum(throughput[measured], 1e-6), plan[measured])
    # the stalling model rates one viewing session: stalls per session, their mean length
    stalls = _col(frame, "video_stall_count")
    per_session = _ratio(stalls, _col(frame, "sessions"))
    stall_seconds = _col(frame, "video_stall_seconds")
    mean_stall = np.where(stalls > 0, stall_seconds / np.where(stalls > 0, stalls, 1), 0.0)
    rtt, jitter = _col(frame, "latency_ms_worst_hour"), _col(frame, "jitter_ms")
    loss = np.clip(_col(frame, "packet_loss_pct_worst_hour"), 0, 100)
    return {
        "availability": laws.linear_kpi_score(_down_minutes(frame),   # NaN stays NaN
                                              bad=OUTAGE_MINUTES_AT_ZERO, good=0.0),
        "accessibility": laws.accessibility_score(
            _wilson_lower(_col(frame, "session_failures"), _col(frame, "sessions"))),
        "retainability": laws.retainability_score(
            _ratio(_col(frame, "drops"), _col(frame, "access_attempts"))),
        "throughput": throughput_score,
        "latency": laws.latency_score(rtt),
        "loss": laws.loss_score(loss),
        "voice": _voice(np.where(_applies(cfs, "voice"), rtt, np.nan), jitter, loss),
        # nan_to_num only keeps the law's domain check quiet: those rows are NaN either way
        "video": np.where(np.isnan(per_session) | ~_applies(cfs, "video"), np.nan,
                          laws.stalling_score(np.nan_to_num(per_session), mean_stall)),
    }


def _down_minutes(frame: pl.DataFrame) -> np.ndarray:
    """Minutes the service was down: the alarm feed's fault minutes; where there are none
    (NULL: no alarm feed loaded), the PM counters' minutes unavailable; NaN where neither was
    measured, so that availability is "not measured", never 100."""
    faults = _col(frame, "outage_minutes")
    return np.where(np.isfinite(faults), faults, _col(frame, "pm_unavailable_minutes"))


def technology(frame: pl.DataFrame) -> pl.Series:
    """Each row's access technology, a key of ``REFERENCE_DOWNLINK``: its
    ``access_technology`` when that names a known one (``TECHNOLOGY_ALIASES``), else its CFS
    type's (``CFS_TECHNOLOGY``)."""
    by_cfs = frame["cfs_type"].replace_strict(CFS_TECHNOLOGY, default=DEFAULT_TECHNOLOGY,
                                              return_dtype=pl.String)
    if "access_technology" not in frame.columns:
        return by_cfs
    given = (frame["access_technology"].cast(pl.String).str.strip_chars().str.to_lowercase()
             .replace_strict(TECHNOLOGY_ALIASES, default=None, return_dtype=pl.String))
    return given.fill_null(by_cfs)


def reference_downlink_mbps(frame: pl.DataFrame) -> np.ndarray:
    """The rate each row's worst-hour throughput is judged against: the plan rate on fixed
    access; the technology's reference rate on mobile, capped by the plan's own rate when the
    plan states one (a customer who bought 20 Mbit/s is not let down by 20 Mbit/s). NaN where
    there is no rate to judge against (a fixed line without a plan rate)."""
    rates = {name: rate.mbps for name, rate in REFERENCE_DOWNLINK.items()}
    reference = (technology(frame).replace_strict(rates, default=None, return_dtype=pl.Float64)
                 .fill_null(np.nan).to_numpy())
    plan = _col(frame, "plan_download_mbps")
    stated = np.isfinite(plan) & (plan > 0)
    return np.where(np.isnan(reference), plan,
                    np.where(stated, np.fmin(reference, plan), reference))


def _applies(cfs: np.ndarray, component: str) -> np.ndarray:
    return np.isin(cfs, [t for t, weights in WEIGHTS.items() if component in weights])


def _voice(rtt: np.ndarray, jitter: np.ndarray, loss: np.ndarray) -> np.ndarray:
    out = np.full(rtt.shape, np.nan)
    ok = np.isfinite(rtt) & np.isfinite(jitter) & np.isfinite(loss)
    if ok.any():
        r, _ = score_measurements(rtt[ok], jitter[ok], loss[ok], VOICE_CODEC)
        out[ok] = laws.voice_score(r, wideband=True)
    return out


_TEXT_COLUMNS = ("service_id", "customer_id", "cfs_type", "segment", "region",
                 "access_resource_id", "fault_resource_id", "access_technology")


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """The input columns with their types, whatever the caller built the frame from (a column
    of nothing but nulls has no type of its own)."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"cannot score service-days without the column(s) {', '.join(missing)} "
                         "(see marts.service_daily)")
    frame = frame.with_columns(pl.lit(None).alias(c) for c in OPTIONAL_COLUMNS
                               if c not in frame.columns)
    return frame.with_columns(
        *(pl.col(c).cast(pl.String) for c in _TEXT_COLUMNS),
        pl.col("date").cast(pl.Date), pl.col("first_fault_at").cast(pl.Datetime("us")),
        *(pl.col(c).cast(pl.Float64) for c in (*INPUT_COLUMNS, *OPTIONAL_COLUMNS)
          if c not in (*_TEXT_COLUMNS, "date", "first_fault_at")))


def score(frame: pl.DataFrame) -> pl.DataFrame:
    """Score service-days (rows of ``marts.service_daily``): the components that apply (NULL:
    not measured), the index over the measured ones, how much was measured
    (``components_measured``, ``coverage``), the poor-day flag and the component that pulled
    the index down most. The day's fault minutes (``outage_minutes``, NULL without an alarm
    feed) come along as they were measured: Customer 360 shows them beside the index, so the
    snapshot need not carry all of ``service_daily`` for one column."""
    frame = _typed(frame)
    scores = component_scores(frame)
    names = list(COMPONENTS)
    matrix = np.vstack([scores[n] for n in names])                # components × rows
    applying = np.vstack([_weights_for(frame["cfs_type"], n) for n in names])
    weights = np.where(np.isnan(matrix), 0.0, applying)           # unmeasured: left out
    total = weights.sum(axis=0)
    coverage = np.divide(total, applying.sum(axis=0), out=np.zeros_like(total),
                         where=applying.sum(axis=0) > 0)
    share = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    # an unmeasured component's share is 0: the 100 put in its place adds nothing
    deficit = -share * np.log(np.clip(np.nan_to_num(matrix, nan=100.0), 1.0, 100.0) / 100)
    sei = np.where(total > 0, 100 * np.exp(-deficit.sum(axis=0)), np.nan)
    applied = np.where(weights > 0, matrix, np.nan)
    with np.errstate(all="ignore"):
        worst = np.nanmin(np.where(weights > 0, matrix, np.inf), axis=0)
    driver_index = deficit.argmax(axis=0)
    has_driver = deficit.max(axis=0) > 1e-9
    out = frame.select("date", "service_id", "customer_id", "cfs_type", "segment", "region",
                       "access_resource_id", "outage_minutes").with_columns(
        pl.Series("sei", sei).fill_nan(None),          # not measured → NULL, not NaN
        *(pl.Series(f"score_{n}", applied[i]).fill_nan(None) for i, n in enumerate(names)),
        pl.Series("components_measured", (weights > 0).sum(axis=0), dtype=pl.Int32),
        pl.Series("coverage", coverage),
        pl.Series("poor", (sei < POOR_BELOW) | (worst < COMPONENT_FAIL_BELOW)),
        # a typed series: no rows (no service-days yet) or no driver at all is no object column
        pl.Series("driver", np.array(names)[driver_index], dtype=pl.String)
        .set(pl.Series(~has_driver), None),
    ).with_columns(  # a day with nothing measured is not judged: neither poor nor good
        pl.when(pl.col("sei").is_not_null()).then(pl.col("poor")).alias("poor"))
    # words only where something noticeably pulled the day down (the rest read "no drag")
    mask = pl.Series(sei < EXPLAIN_BELOW)
    texts = _driver_text(frame.filter(mask), out.filter(mask))
    return out.with_columns(pl.repeat(None, frame.height, dtype=pl.String, eager=True)
                            .scatter(np.flatnonzero(mask.to_numpy()), texts)
                            .alias("driver_text"))


def _weights_for(cfs_type: pl.Series, component: str) -> np.ndarray:
    return cfs_type.replace_strict(
        {t: w.get(component, 0.0) for t, w in WEIGHTS.items()},
        default=DEFAULT_WEIGHTS.get(component, 0.0), return_dtype=pl.Float64).to_numpy()


def _driver_text(inputs: pl.DataFrame, scored: pl.DataFrame) -> pl.Series:
    """A plain-words reason for each day's main drag, e.g. 'Speed: 42 Mbit/s in the worst hour
    (8 % of the 500 Mbit/s plan) on PON-D01-003-15'."""
    f = inputs.with_columns(driver=scored["driver"])
    on = pl.when(pl.col("access_resource_id").is_not_null()).then(
        pl.lit(" on ") + pl.col("access_resource_id")).otherwise(pl.lit(""))
    pct = (100 * pl.col("session_failures") / pl.col("sessions")).round(1).cast(pl.String)
    text = (
        pl.when((pl.col("driver") == "availability") & pl.col("outage_minutes").is_null()).then(
            pl.lit("Availability: ") + pl.col("pm_unavailable_minutes").round(0)
            .cast(pl.Int64).cast(pl.String) + pl.lit(" min unavailable by the PM counters") + on)
        .when(pl.col("driver") == "availability").then(
            pl.lit("Availability: ") + pl.col("outage_minutes").round(0).cast(pl.Int64)
            .cast(pl.String) + pl.lit(" min of service-affecting faults, ")
            + pl.coalesce(pl.lit("on ") + pl.col("fault_resource_id") + pl.lit(" "), pl.lit(""))
            + pl.lit("from ") + pl.col("first_fault_at").dt.strftime("%H:%M UTC"))
        .when(pl.col("driver") == "accessibility").then(
            pl.lit("Connecting: ") + pct + pl.lit(" % of ")
            + pl.col("sessions").cast(pl.Int64).cast(pl.String)
            + pl.lit(" sessions failed"))
        .when(pl.col("driver") == "retainability").then(
            pl.lit("Staying connected: ") + pl.col("drops").round(0).cast(pl.Int64)
            .cast(pl.String) + pl.lit(" dropped sessions") + on)
        .when(pl.col("driver") == "throughput").then(
            pl.lit("Speed: ") + pl.col("throughput_mbps_worst_hour").round(1).cast(pl.String)
            + pl.lit(" Mbit/s in the worst hour") + on)
        .when(pl.col("driver") == "latency").then(
            pl.lit("Responsiveness: ") + pl.col("latency_ms_worst_hour").round(0)
            .cast(pl.String) + pl.lit(" ms round trip in the worst hour") + on)
        .when(pl.col("driver") == "loss").then(
            pl.lit("Packet loss: ") + pl.col("packet_loss_pct_worst_hour").round(2)
            .cast(pl.String) + pl.lit(" % in the worst hour") + on)
        .when(pl.col("driver") == "voice").then(
            pl.lit("Call quality: ") + pl.col("latency_ms_worst_hour").round(0).cast(pl.String)
            + pl.lit(" ms, ") + pl.col("packet_loss_pct_worst_hour").round(2).cast(pl.String)
            + pl.lit(" % loss in the worst hour") + on)
        .when(pl.col("driver") == "video").then(
            pl.lit("TV streaming: ") + pl.col("video_stall_count").cast(pl.Int64).cast(pl.String)
            + pl.lit(" stalls"))
        .otherwise(None)
    )
    return f.select(text.alias("driver_text")).to_series()
