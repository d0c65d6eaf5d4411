"""The Service Experience Index (SEI): one 0–100 score per service per day, explainable.

Each **component** turns what the service experienced that day (``marts.service_daily``) into a
0–100 score with a published law (:mod:`models.experience.laws`, :mod:`.emodel`). Only the
components that make sense for the CFS type apply, with the weights in ``WEIGHTS``:

| component     | measured as (service-day)                             | law                      |
|---------------|-------------------------------------------------------|--------------------------|
| availability  | minutes with a service-affecting fault on its path    | linear, 0 at 4 h         |
| accessibility | failed ÷ attempted sessions (xDR), lower 95 % bound   | linear, 0 at 15 % failed |
| retainability | drops ÷ set-up attempts on its access resources       | linear, 0 at 10 % drops  |
| throughput    | worst-hour throughput ÷ plan rate                     | logarithmic (WQL)        |
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
A missing measurement (no sessions, no KPI reported) leaves its component out rather than
counting it as perfect or as zero; a service-day with no component at all has no index.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from models.experience import laws
from models.experience.emodel import score_measurements

POOR_BELOW = 70.0
EXPLAIN_BELOW = 90.0             # days scoring below this get a reason in words
COMPONENT_FAIL_BELOW = 40.0
OUTAGE_MINUTES_AT_ZERO = 240.0   # availability scores 0 after 4 hours of faults in a day
MOBILE_REFERENCE_MBPS = 30.0     # mobile plans sell volume, not speed: the rate judged against
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

INPUT_COLUMNS = ("date", "service_id", "customer_id", "cfs_type", "segment", "region",
                 "access_resource_id", "outage_minutes", "fault_resource_id", "first_fault_at",
                 "sessions", "session_failures",
                 "access_attempts", "drops", "throughput_mbps_worst_hour", "plan_download_mbps",
                 "latency_ms_worst_hour", "jitter_ms", "packet_loss_pct_worst_hour",
                 "video_stall_count", "video_stall_seconds")



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
    plan = np.where(np.isin(cfs, ["mobile_data", "mobile_voice"]), MOBILE_REFERENCE_MBPS,
                    _col(frame, "plan_download_mbps"))
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
        "availability": laws.linear_kpi_score(np.nan_to_num(_col(frame, "outage_minutes")),
                                              bad=OUTAGE_MINUTES_AT_ZERO, good=0.0),
        "accessibility": laws.accessibility_score(
            _wilson_lower(_col(frame, "session_failures"), _col(frame, "sessions"))),
        "retainability": laws.retainability_score(
            _ratio(_col(frame, "drops"), _col(frame, "access_attempts"))),
        "throughput": throughput_score,
        "latency": laws.latency_score(rtt),
        "loss": laws.loss_score(loss),
        "voice": _voice(np.where(_applies(cfs, "voice"), rtt, np.nan), jitter, loss),
        "video": np.where(np.isnan(per_session) | ~_applies(cfs, "video"), np.nan,
                          laws.stalling_score(np.nan_to_num(per_session), mean_stall)),
    }


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
                 "access_resource_id", "fault_resource_id")


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    """The input columns with their types, whatever the caller built the frame from (a column
    of nothing but nulls has no type of its own)."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"cannot score service-days without the column(s) {', '.join(missing)} "
                         "(see marts.service_daily)")
    return frame.with_columns(
        *(pl.col(c).cast(pl.String) for c in _TEXT_COLUMNS),
        pl.col("date").cast(pl.Date), pl.col("first_fault_at").cast(pl.Datetime("us")),
        *(pl.col(c).cast(pl.Float64) for c in INPUT_COLUMNS
          if c not in (*_TEXT_COLUMNS, "date", "first_fault_at")))


def score(frame: pl.DataFrame) -> pl.DataFrame:
    """Score service-days (rows of ``marts.service_daily``): the components that apply, the
    index, the poor-day flag and the component that pulled the index down most."""
    frame = _typed(frame)
    scores = component_scores(frame)
    names = list(COMPONENTS)
    matrix = np.vstack([scores[n] for n in names])                # components × rows
    weights = np.vstack([_weights_for(frame["cfs_type"], n) for n in names])
    weights = np.where(np.isnan(matrix), 0.0, weights)            # unmeasured: left out
    total = weights.sum(axis=0)
    share = np.divide(weights, total, out=np.zeros_like(weights), where=total > 0)
    deficit = -share * np.log(np.clip(np.nan_to_num(matrix, nan=100.0), 1.0, 100.0) / 100)
    sei = np.where(total > 0, 100 * np.exp(-deficit.sum(axis=0)), np.nan)
    applied = np.where(weights > 0, matrix, np.nan)
    with np.errstate(all="ignore"):
        worst = np.nanmin(np.where(weights > 0, matrix, np.inf), axis=0)
    driver_index = deficit.argmax(axis=0)
    has_driver = deficit.max(axis=0) > 1e-9
    out = frame.select("date", "service_id", "customer_id", "cfs_type", "segment", "region",
                       "access_resource_id").with_columns(
        pl.Series("sei", sei).fill_nan(None),          # not measured → NULL, not NaN
        *(pl.Series(f"score_{n}", applied[i]).fill_nan(None) for i, n in enumerate(names)),
        pl.Series("poor", (sei < POOR_BELOW) | (worst < COMPONENT_FAIL_BELOW)),
        pl.Series("driver", np.where(has_driver, np.array(names)[driver_index], None)),
    )
    # words only where something noticeably pulled the day down (the rest read "no drag")
    mask = pl.Series(sei < EXPLAIN_BELOW)
    texts = pl.DataFrame({"__row": np.flatnonzero(mask.to_numpy()),
                          "driver_text": _driver_text(frame.filter(mask), out.filter(mask))},
                         schema={"__row": pl.Int64, "driver_text": pl.String})
    return (out.with_row_index("__row").with_columns(pl.col("__row").cast(pl.Int64))
            .join(texts, on="__row", how="left", maintain_order="left").drop("__row"))


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
        pl.when(pl.col("driver") == "availability").then(
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


def hours_as_days(hours: pl.DataFrame, service: dict) -> pl.DataFrame:
    """One service's hours (``pipelines/drilldown.service_hours``) in the shape :func:`score`
    takes, so the same laws score each hour: an hour's fault minutes count 24-fold (the
    availability law's 4-hour day becomes 10 minutes in an hour), set-ups and their failures
    come from the access resources' counters (usage records are daily), and each hour is its
    own worst hour. Video stalls are only known per day, so hours carry no video score."""
    return hours.select(
        pl.col("hour").cast(pl.Date).alias("date"),
        pl.col("hour"),
        pl.lit(service["service_id"]).alias("service_id"),
        pl.lit(service.get("customer_id")).alias("customer_id"),
        pl.lit(service["cfs_type"]).alias("cfs_type"),
        pl.lit(service.get("segment")).alias("segment"),
        pl.lit(service.get("region")).alias("region"),
        pl.col("access_resource_id"),
        (pl.col("fault_minutes") * 24).alias("outage_minutes"),
        pl.lit(None, pl.String).alias("fault_resource_id"),
        pl.col("hour").alias("first_fault_at"),
        pl.col("access_attempts").alias("sessions"),
        (pl.col("access_attempts") - pl.col("access_successes")).alias("session_failures"),
        pl.col("access_attempts"),
        pl.col("drops"),
        pl.col("throughput_mbps").alias("throughput_mbps_worst_hour"),
        pl.lit(service.get("plan_download_mbps"), pl.Float64).alias("plan_download_mbps"),
        pl.col("latency_ms").alias("latency_ms_worst_hour"),
        pl.col("jitter_ms"),
        pl.col("packet_loss_pct").alias("packet_loss_pct_worst_hour"),
        pl.lit(None, pl.Float64).alias("video_stall_count"),
        pl.lit(None, pl.Float64).alias("video_stall_seconds"),
    )


def score_hours(hours: pl.DataFrame, service: dict) -> pl.DataFrame:
    """The index for each of one service's hours, with its components and the hour's drag."""
    frame = hours_as_days(hours, service)
    if frame.is_empty():
        return frame
    scored = score(frame).with_columns(hour=frame["hour"], fault_minutes=hours["fault_minutes"])
    return scored.with_columns(driver_text=pl.when(pl.col("driver") == "availability").then(
        pl.lit("Availability: ") + pl.col("fault_minutes").round(0).cast(pl.Int64)
        .cast(pl.String) + pl.lit(" min of this hour with a service-affecting fault"))
        .otherwise(pl.col("driver_text"))).drop("date", "fault_minutes")
