"""``cxbridge evaluate`` section ``outcomes``: the measured effect of each simulated programme
against its true effect.

The generator knows both potential outcomes of every customer a programme chose (churned within
W days if treated, and if not: ``_truth/actions.csv``, see ``pipelines/lab/generate/actions.py``).
The true effect of a programme on churn within W days is the mean of their difference over the
very actions the pipeline followed for that window (``core.action_outcomes``: the rows that
loaded, whose window the data covers), so measure and truth are about the same customers. A
programme's measure is right when its 95 % interval (``marts.programme_outcomes``) holds that
true effect; "too few to tell" is counted apart, neither right nor wrong.

Figures: ``within_interval_rate`` over the programmes measured at 30 days (target ≥ 0.9), the
same over every window measured and over each programme × segment, the counts behind them, and
per programme its true and measured effect at 30 days.

Whom to target (``marts.uplift_programmes``, models/outcomes/uplift.py): on each programme's
temporal holdout (trained on its earlier actions, scored on the later ones) the uplift model's
Qini coefficient beside a risk-only ranking's (a churn model on the same features and actions):
``uplift_qini``, ``risk_qini`` and ``uplift_beats_risk`` over every scored holdout together
(each action ranked by its own programme's model), the counts behind them, and per programme
the same or why it was not scored (target: ``uplift_qini`` > ``risk_qini``).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from cxbridge.platform.warehouse import query, table_exists

MAIN_WINDOW = 30


def true_effects(followed: pl.DataFrame, truth: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Per ``by`` (with ``window_days``), the mean of (churned if treated) − (churned if not)
    over the followed actions found in the truth (matched on customer, programme and day)."""
    joined = followed.join(truth, on=["customer_id", "programme", "action_date"], how="inner")
    end = pl.col("action_date") + pl.duration(days=pl.col("window_days"))
    joined = joined.with_columns(
        y0=(pl.col("churn_date_if_not_treated") <= end).fill_null(False).cast(pl.Float64),
        y1=(pl.col("churn_date_if_treated") <= end).fill_null(False).cast(pl.Float64))
    return joined.group_by([*by, "window_days"]).agg(
        true_effect=(pl.col("y1") - pl.col("y0")).mean(), matched=pl.len())


def compared(measured: pl.DataFrame, truth: pl.DataFrame) -> pl.DataFrame:
    """Measured rows beside their true effect, with ``covered`` (null when too few to tell)."""
    keys = [c for c in truth.columns if c not in ("true_effect", "matched")]
    return measured.join(truth, on=keys, how="left").with_columns(
        covered=pl.when(pl.col("churn_effect").is_null()).then(None).otherwise(
            (pl.col("churn_effect_low") <= pl.col("true_effect"))
            & (pl.col("true_effect") <= pl.col("churn_effect_high"))))


def _rate(frame: pl.DataFrame) -> float | None:
    told = frame.filter(pl.col("covered").is_not_null())
    return round(float(told["covered"].mean()), 4) if told.height else None


def figures(programmes: pl.DataFrame, segments: pl.DataFrame) -> dict:
    """The section's figures from the compared programme rows and programme × segment rows."""
    main = programmes.filter(pl.col("window_days") == MAIN_WINDOW).sort("programme")
    per_programme = {
        row["programme"]: {
            "true_effect": _round(row["true_effect"]),
            "measured_effect": _round(row["churn_effect"]),
            "interval_low": _round(row["churn_effect_low"]),
            "interval_high": _round(row["churn_effect_high"]),
            "treated": row["treated_customers"], "control": row["control_customers"],
            "verdict": row["verdict"], "within_interval": row["covered"]}
        for row in main.iter_rows(named=True)}
    return {
        "programmes": main.height,
        "programmes_measured": int(main["covered"].is_not_null().sum()),
        "programmes_too_few": int(main["covered"].is_null().sum()),
        "within_interval_rate": _rate(main),
        "within_interval_rate_every_window": _rate(programmes),
        "measured_every_window": int(programmes["covered"].is_not_null().sum()),
        "within_interval_rate_segments": _rate(segments),
        "measured_segments": int(segments["covered"].is_not_null().sum()),
        "by_programme_30d": per_programme,
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(float(value), 4)


def evaluate_outcomes(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> dict:
    """The section, or ``{}`` when the world has no actions or the pipeline measured none."""
    path = truth_dir / "actions.csv"
    if not path.is_file() or not table_exists(con, "marts.programme_outcomes"):
        return {}
    truth = pl.read_csv(path, try_parse_dates=True).select(
        "customer_id", "programme", "action_date", "churn_date_if_not_treated",
        "churn_date_if_treated")
    followed = query(con, "select customer_id, programme, action_date, window_days, segment "
                          "from core.action_outcomes")
    measured = query(con, "select * from marts.programme_outcomes")
    programmes = compared(
        measured.filter(pl.col("breakdown") == "all").drop("group_value"),
        true_effects(followed, truth, ["programme"]))
    segments = compared(
        measured.filter(pl.col("breakdown") == "segment").rename({"group_value": "segment"}),
        true_effects(followed, truth, ["programme", "segment"]))
    return {**figures(programmes, segments), **uplift_figures(con)}


def uplift_figures(con: duckdb.DuckDBPyConnection) -> dict:
    """The uplift model's holdout figures (``{}`` when the job built none)."""
    if not table_exists(con, "marts.uplift_programmes"):
        return {}
    table = query(con, "select * from marts.uplift_programmes order by programme")
    rows = {row["programme"]: row for row in table.iter_rows(named=True)}
    pooled = rows.pop("all", None) or {}
    keys = ("holdout_treated", "holdout_control", "holdout_churned", "uplift_qini",
            "risk_qini", "uplift_beats_risk")
    per_programme = {
        name: {"published": row["published"], "treated_outcomes": row["treated_outcomes"],
               "control_outcomes": row["control_outcomes"], "holdout": row["holdout_status"],
               "why_not": row["holdout_reason"],
               "cut_date": row["cut_date"].isoformat() if row["cut_date"] else None,
               **{k: row[k] for k in keys}}
        for name, row in rows.items()}
    return {**{k: pooled.get(k) for k in keys},
            "uplift_window_days": next((r["window_days"] for r in rows.values()), None),
            "uplift_programmes_scored": sum(r["holdout_status"] == "scored"
                                            for r in rows.values()),
            "uplift_programmes_published": sum(bool(r["published"]) for r in rows.values()),
            "uplift_by_programme": per_programme}
