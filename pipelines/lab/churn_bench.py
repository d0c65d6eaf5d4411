"""``cxbridge bench``'s churn stage: train and score on an already-built warehouse.

:func:`bench_churn` is called in a fresh process by ``pipelines/lab/bench.py`` with the bench's
scratch data directory, after the transform stage. A warehouse with too little history for the
default schedule (the 30-day benchmark world) is measured with 14-day lookback and horizon, so
that a model can be trained at all; the report says so.
"""

from __future__ import annotations

import os

from cxbridge.models.churn.features import Schedule, history
from cxbridge.models.churn.world import score, train
from cxbridge.platform import warehouse
from cxbridge.platform.settings import load_settings

SHORT = Schedule(lookback_days=14, horizon_days=14, interval_days=14)


def bench_churn(home: str) -> tuple[int, dict]:
    """Rows (customer-snapshots trained on + customers scored) and the figures of each step."""
    settings = load_settings({"CXBRIDGE_HOME": home, "CXBRIDGE_CONFIG": ""}
                             | {k: v for k, v in os.environ.items()
                                if k.startswith("CXBRIDGE_DUCKDB_")})
    with warehouse.connect(settings) as con:
        found = history(con)
        schedule = Schedule() if found.days >= Schedule().days_to_train else SHORT
        trained = train(con, settings.models_dir, schedule)
        scored = score(con, trained.model, trained.card, "bench")
    holdout = trained.card["metrics"]["temporal_holdout"]
    return trained.model.training_rows + scored.customers, {
        "history_days": found.days, "schedule": schedule.as_dict(),
        "schedule_note": None if schedule == Schedule() else
        f"{found.days} days of history: lookback and horizon shortened to 14 days so that a "
        f"model can be trained",
        "snapshots": trained.card["data_window"]["snapshots"],
        "training_rows": trained.model.training_rows, "train_seconds": trained.seconds,
        "train_steps": trained.timings, "scored_customers": scored.customers,
        "score_seconds": scored.seconds, "score_steps": scored.timings,
        "holdout_roc_auc": holdout.get("roc_auc"), "holdout_skipped": holdout.get("skipped"),
    }
