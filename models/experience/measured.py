"""Measured experience: what phones measured (UE logs, ``stg.ue_measurements``) scored by the
same laws, weights and rules as the Service Experience Index
(:mod:`cxbridge.models.experience.sei`).

A session (one trace) or a cell (per day, or over all the logs) is scored as one mobile data
service-day would be: :func:`sei.score` on a frame whose throughput is the measured mean
downlink rate while the app was transferring, judged against the reference rate of the
technology the phone transferred on most (``sei.REFERENCE_DOWNLINK``: 100 Mbit/s on 5G,
30 on 4G, 10 on 3G), whose latency and loss are the app's pings, and nothing else.

**Video is judged against what video needs.** A file download takes all the network gives; a
video player asks only for its stream's rate and then idles on a full buffer, so its
throughput says what it needed, not what the cell could give (in the Irish logs a static
Netflix session idles 66 % of the time at a median 2.3 Mbit/s while downloading). Time spent
transferring video is therefore judged against ``VIDEO_HD_MBPS`` (5 Mbit/s, capped by the
technology's own rate), passed to the SEI as the plan rate, which it already caps the
technology's reference by; a cell with both kinds of traffic is judged against the mean of the
two references, weighted by the seconds of each. Everything a
phone log does not measure (availability, set-up failures, drops, video stalls) is "not
measured" and left out, with the remaining weights renormalised, exactly as in the SEI; a trace
without pings is scored on throughput alone (``components_measured`` 1, ``coverage`` 0.15), never
as if its latency were bad. Latency and loss need at least ``MIN_PING_ROUNDS`` rounds of the
app's pings: a cell crossed during one round (one lost ping of two is "50 % loss") has too
little evidence to be judged on them, as the SEI's Wilson bound keeps one failed call out of
eleven from reading as a 9 % failure rate. Video stalls are not taken from the logs: a second
with no bytes while downloading is not a player stall (the player has a buffer), so the SEI's
stalling law does not apply; ``stalled_share`` is shown as context instead.

**Radio bands.** RSRP, RSRQ and SINR are context, not components: they explain a score, they do
not make it. The bands are those of the Teltonika Networks wiki, "Mobile Signal Strength
Recommendations" (https://wiki.teltonika-networks.com/view/Mobile_Signal_Strength_Recommendations,
4G table; RSRP checked there, the RSRQ and SINR rows cited from memory):

| measure | excellent | good         | fair          | poor   |
|---------|-----------|--------------|---------------|--------|
| RSRP    | ≥ −80 dBm | −80 to −90   | −90 to −100   | < −100 |
| RSRQ    | ≥ −10 dB  | −10 to −15   | −15 to −20    | < −20  |
| SINR    | ≥ 20 dB   | 13 to 20     | 0 to 13       | < 0    |

**Reasons.** A session or cell scoring below ``sei.EXPLAIN_BELOW`` gets a reason in words for
its main drag. When that is speed, the radio tells which kind of problem it is: *poor coverage*
(RSRP poor), *interference* (RSRQ or SINR poor with usable RSRP), *on 3G/2G* (most of the time
on an older technology), or *congested* (usable radio, yet low throughput: the cell had no
capacity to give).

**Ranking cells.** A cell seen for ten seconds must not rank like one seen for an hour:
``rank_score`` pulls each cell's score towards the score of all the cells together, with the
weight of ``RANK_PRIOR_SECONDS`` seconds of transfer: ``(n·score + k·overall) / (n + k)``
with ``n`` the cell's seconds of transfer. Ten seconds move a cell 8 % of the way from the
overall score to its own; an hour, 97 %.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cxbridge.models.experience import sei

CFS_TYPE = "mobile_data"          # a phone's data session is judged as a mobile data service
# What video streaming needs: Netflix's recommended connection for Full HD (1080p) is 5 Mbit/s
# (Netflix Help Center, "Internet connection speed recommendations", help.netflix.com/node/306;
# cited from memory). Higher resolutions need more, but a phone screen is HD at most.
VIDEO_HD_MBPS = 5.0
RANK_PRIOR_SECONDS = 120.0        # evidence a cell's own score must outweigh (see above)
LITTLE_EVIDENCE_SECONDS = 60      # below: "little" evidence; below 10 minutes: "some"
SOME_EVIDENCE_SECONDS = 600
LEGACY_MAJORITY = 0.5             # more of the time on 3G/2G than this: "on 3G/2G"
STALLED_WORTH_SAYING = 0.10       # a stalled share above this is added to the reason
MIN_PING_ROUNDS = 5               # fewer ping rounds: latency and loss not measured (see above)

# (excellent from, good from, fair from): below the last, poor. Higher is better for all three.
RADIO_BANDS: dict[str, tuple[float, float, float]] = {
    "rsrp_dbm": (-80.0, -90.0, -100.0),
    "rsrq_db": (-10.0, -15.0, -20.0),
    "sinr_db": (20.0, 13.0, 0.0),
}
BANDS = ("excellent", "good", "fair", "poor")
TECHNOLOGIES = ("5G", "4G", "3G", "2G")

# Measures both models' SELECTs produce (models/experience/sql/measured/ue_sessions.sql,
# ue_cells*.sql).
MEASURES = ("active_samples", "active_5g", "active_4g", "active_3g", "active_2g",
            "active_video", "dl_mean_mbps", "rtt_ms", "loss_pct", "ping_samples", "rsrp_dbm",
            "rsrq_db", "sinr_db", "share_legacy", "stalled_share")
SCORE_COLUMNS = {"reference_mbps": pl.Float64, "scored_technology": pl.String,
                 "score": pl.Float64, "score_throughput": pl.Float64,
                 "score_latency": pl.Float64, "score_loss": pl.Float64,
                 "components_measured": pl.Int32, "coverage": pl.Float64,
                 "poor": pl.Boolean, "driver": pl.String, "rsrp_band": pl.String,
                 "rsrq_band": pl.String, "sinr_band": pl.String, "reason": pl.String}


def radio_band(values: pl.Expr, measure: str) -> pl.Expr:
    """'excellent', 'good', 'fair' or 'poor' for a radio measure (NULL stays NULL)."""
    excellent, good, fair = RADIO_BANDS[measure]
    return (pl.when(values.is_null()).then(None)
            .when(values >= excellent).then(pl.lit("excellent"))
            .when(values >= good).then(pl.lit("good"))
            .when(values >= fair).then(pl.lit("fair"))
            .otherwise(pl.lit("poor")))


def scored_technology(frame: pl.DataFrame) -> pl.Series:
    """The technology the phone transferred on most (ties: the newer), NULL with no transfer
    on a known technology: the one whose reference rate its throughput is judged against."""
    counts = frame.select(pl.col(f"active_{t.lower()}").cast(pl.Float64).fill_null(0.0)
                          for t in TECHNOLOGIES).to_numpy()
    if counts.size == 0:
        return pl.Series("scored_technology", [], dtype=pl.String)
    best = counts.argmax(axis=1)           # argmax takes the first: the newer technology
    chosen = [TECHNOLOGIES[b] if most > 0 else None
              for b, most in zip(best.tolist(), counts.max(axis=1).tolist(), strict=True)]
    return pl.Series("scored_technology", chosen, dtype=pl.String)


def sei_inputs(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """The measured rows in the shape :func:`sei.score` takes: throughput, RTT and loss as
    measured, the technology that sets the reference rate, every other input NULL."""
    null_float = [c for c in sei.INPUT_COLUMNS if c not in (
        "date", "service_id", "customer_id", "cfs_type", "segment", "region",
        "access_resource_id", "fault_resource_id", "first_fault_at",
        "throughput_mbps_worst_hour", "latency_ms_worst_hour", "packet_loss_pct_worst_hour")]
    date = pl.col("date") if "date" in frame.columns else pl.lit(None, pl.Date)
    return frame.select(
        date.cast(pl.Date).alias("date"),
        pl.col(id_column).cast(pl.String).alias("service_id"),
        pl.lit(None, pl.String).alias("customer_id"),
        pl.lit(CFS_TYPE).alias("cfs_type"),
        pl.lit(None, pl.String).alias("segment"),
        pl.lit(None, pl.String).alias("region"),
        pl.lit(None, pl.String).alias("access_resource_id"),
        pl.lit(None, pl.String).alias("fault_resource_id"),
        pl.lit(None, pl.Datetime("us")).alias("first_fault_at"),
        pl.col("dl_mean_mbps").cast(pl.Float64).alias("throughput_mbps_worst_hour"),
        *(pl.when(pl.col("ping_samples") >= MIN_PING_ROUNDS).then(pl.col(c).cast(pl.Float64))
          .alias(name) for c, name in (("rtt_ms", "latency_ms_worst_hour"),
                                       ("loss_pct", "packet_loss_pct_worst_hour"))),
        *(pl.lit(None, pl.Float64).alias(c) for c in null_float),
        pl.lit(None, pl.Float64).alias("pm_unavailable_minutes"),
    ).with_columns(scored_technology(frame).alias("access_technology"))


def with_video_reference(inputs: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """``inputs`` with the plan rate set where video was transferred: the mean of the
    technology's reference and the HD video rate (capped by it), weighted by the seconds of
    download and of video (see the module docstring)."""
    technology_rate = sei.reference_downlink_mbps(inputs)
    active = frame["active_samples"].cast(pl.Float64).fill_null(0.0).to_numpy()
    video = frame["active_video"].cast(pl.Float64).fill_null(0.0).to_numpy()
    share = np.divide(video, active, out=np.zeros_like(active), where=active > 0)
    blended = (1 - share) * technology_rate + share * np.fmin(technology_rate, VIDEO_HD_MBPS)
    return inputs.with_columns(plan_download_mbps=pl.Series(
        np.where(share > 0, blended, np.nan)).fill_nan(None))


def score_measured(frame: pl.DataFrame, id_column: str) -> pl.DataFrame:
    """``frame`` (sessions or cells, with :data:`MEASURES`) with the SEI's components and
    index, the radio bands and a reason in words added."""
    missing = [c for c in (id_column, *MEASURES) if c not in frame.columns]
    if missing:
        raise ValueError(f"cannot score measured experience without the column(s) "
                         f"{', '.join(missing)} (see models/experience/sql/measured/)")
    # a measure no row has (all NULL) has no type of its own: it is a number not measured
    frame = frame.with_columns(pl.col(c).cast(pl.Float64) for c in MEASURES
                               if frame.schema[c] == pl.Null)
    if frame.is_empty():
        return frame.with_columns(pl.lit(None, t).alias(c) for c, t in SCORE_COLUMNS.items())
    inputs = with_video_reference(sei_inputs(frame, id_column), frame)
    scored = sei.score(inputs)
    out = frame.with_columns(
        pl.Series("reference_mbps", sei.reference_downlink_mbps(inputs)).fill_nan(None),
        inputs["access_technology"].alias("scored_technology"),
        scored["sei"].alias("score"),
        scored["score_throughput"], scored["score_latency"], scored["score_loss"],
        scored["components_measured"].cast(pl.Int32), scored["coverage"],
        scored["poor"], scored["driver"],
        *(radio_band(pl.col(m), m).alias(f"{m.split('_')[0]}_band") for m in RADIO_BANDS),
    )
    return out.with_columns(reason_text().alias("reason"))


def reason_text() -> pl.Expr:
    """The main drag in words, where the score is below ``sei.EXPLAIN_BELOW``: for speed, which
    kind of problem the radio points to (coverage, interference, an older technology or
    congestion); for latency or loss, the measured value."""
    judged = (pl.when(pl.col("active_video") >= pl.col("active_samples"))
              .then(pl.lit("HD video rate"))
              .when(pl.col("active_video") > 0).then(pl.lit("video and download reference"))
              .otherwise(pl.format("{} reference", pl.col("scored_technology")
                                   .fill_null("mobile"))))
    speed = pl.format("{} Mbit/s against the {} Mbit/s {}", pl.col("dl_mean_mbps").round(1),
                      pl.col("reference_mbps").round(1).cast(pl.String).str.strip_suffix(".0"),
                      judged)
    rsrp = pl.format("RSRP {} dBm", pl.col("rsrp_dbm").round(0).cast(pl.Int64))
    quality = pl.format("RSRQ {} dB, SINR {} dB", pl.col("rsrq_db").round(0).cast(pl.Int64),
                        pl.col("sinr_db").round(0).cast(pl.Int64))
    legacy = pl.format("{} % of the time", (100 * pl.col("share_legacy")).round(0)
                       .cast(pl.Int64))
    stalled = (pl.when(pl.col("stalled_share") > STALLED_WORTH_SAYING)
               .then(pl.format("; nothing arrived in {} % of the transfer time",
                               (100 * pl.col("stalled_share")).round(0).cast(pl.Int64)))
               .otherwise(pl.lit("")))
    throughput = (
        pl.when(pl.col("rsrp_band") == "poor").then(
            pl.format("Poor coverage: {}; {}", rsrp, speed))
        .when(pl.col("rsrq_band").eq("poor") | pl.col("sinr_band").eq("poor")).then(
            pl.format("Interference: {} with {}; {}", quality, rsrp, speed))
        .when(pl.col("share_legacy") > LEGACY_MAJORITY).then(
            pl.format("On 3G/2G {}: {}", legacy, speed))
        .when(pl.col("rsrp_band").is_null()).then(pl.format("Slow: {} (no radio readings)",
                                                             speed))
        .otherwise(pl.format("Congested: {} radio ({}), yet {}",
                             pl.when(pl.col("rsrp_band").is_in(["excellent", "good"]))
                             .then(pl.lit("good")).otherwise(pl.lit("fair")), rsrp, speed)))
    text = (pl.when(pl.col("driver") == "throughput").then(throughput + stalled)
            .when(pl.col("driver") == "latency").then(
                pl.format("Slow responses: {} ms round trip ({} ping rounds)",
                          pl.col("rtt_ms").round(0).cast(pl.Int64), pl.col("ping_samples")))
            .when(pl.col("driver") == "loss").then(
                pl.format("Packet loss: {} % ({} ping rounds)", pl.col("loss_pct").round(1),
                          pl.col("ping_samples"))))
    return pl.when(pl.col("score") < sei.EXPLAIN_BELOW).then(text).otherwise(None)


def score_sessions(frame: pl.DataFrame) -> pl.DataFrame:
    """Score the rows of ``measured.ue_sessions`` (the SELECT in
    models/experience/sql/measured/ue_sessions.sql): one per trace."""
    return score_measured(frame, "session_id")


def score_cells(frame: pl.DataFrame) -> pl.DataFrame:
    """Score cells (per day or overall; models/experience/sql/measured/ue_cells*.sql) and rank them
    with their evidence: ``rank_score`` (see the module docstring) and ``evidence``."""
    scored = score_measured(frame, "cell_id")
    seconds = pl.col("active_samples").cast(pl.Float64)
    has_score = pl.col("score").is_not_null()
    weight = pl.when(has_score).then(seconds).otherwise(0.0)
    overall = (pl.col("score").fill_null(0.0) * weight).sum() / weight.sum()
    return scored.with_columns(
        pl.when(has_score).then(
            (seconds * pl.col("score") + RANK_PRIOR_SECONDS * overall)
            / (seconds + RANK_PRIOR_SECONDS)).alias("rank_score"),
        pl.when(seconds < LITTLE_EVIDENCE_SECONDS).then(pl.lit("little"))
        .when(seconds < SOME_EVIDENCE_SECONDS).then(pl.lit("some"))
        .otherwise(pl.lit("ample")).alias("evidence"),
    )
