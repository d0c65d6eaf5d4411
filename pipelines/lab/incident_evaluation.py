"""The incident models against a generated world's ground truth (``_truth/``; only evaluation
reads it, never the models).

**Matching.** A predicted incident and a true one *match* when they share a resource (the
predicted incident's alarmed resources, root, symptoms and attached alarms, or the silent
incident's cell; the true incident's root and every resource it took out or degraded,
``incident_resources.csv``) and their times overlap, each widened by ``tolerance`` (30 minutes:
alarms are raised late, silent runs start on the 15-minute grid). Matching is one-to-one,
greedy: pairs sharing more resources first, then pairs whose starts are closer. A true incident
split into two predicted ones matches one of them; the other counts as matching nothing.

**Figures.**

* ``ndcg10``: NDCG@10 of the unplanned incidents ordered by their priority score (the impact
  the models estimate) with each incident's gain the true customer-impact minutes of the
  incident it matches (Σ ``impact_minutes`` in ``incident_services.parquet``; 0 when it matches
  none), against the ideal order of every true unplanned incident. ``ndcg10_queue``: the same in
  the queue's own order, which puts acute incidents before chronic degradations whatever minutes
  those have accumulated (``models/incidents/queue.py``, ``QUEUE_RULE``): lower by design where
  a long congestion holds the most lifetime minutes. ``ndcg10_severity``: the same incidents
  ranked the way a severity-driven NOC would (worst alarm severity, then first raised; silent
  incidents have no alarm, so they come last).
* ``root_cause_rate``: of the true incidents that raised two alarms or more, the share whose
  matched incident names the true root resource (``root_cause_rate_without_hints``: the same
  with the source's root-cause flags ignored, topology and time alone).
* ``silent_precision`` / ``silent_recall``: predicted silent incidents matching a true silent one
  (sleeping cell, chronic congestion), over the predicted / over the true.
* ``protected_below_impacting``: every redundant-link failure (protected, hurts nobody) ranks
  below every predicted incident matching a true incident that hurt customers.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import polars as pl

from cxbridge.lab.evaluate import TruthError
from cxbridge.models.incidents.correlate import correlate
from cxbridge.platform.warehouse import query, table_exists

TOLERANCE = timedelta(minutes=30)


def evaluate_impact(con, truth_dir: Path) -> dict:
    """Every figure above, as a plain dict (see the module docstring)."""
    if not table_exists(con, "incidents.queue"):
        raise TruthError("this warehouse has no incident tables to evaluate: build them first "
                         "(cxbridge.models.incidents.build, run by `cxbridge run`)")
    truth, truth_resources, true_minutes = load_truth(Path(truth_dir))
    predicted = query(con, "select q.rank, i.incident_id, i.source, i.kind, i.root_resource_id, "
                           "i.started_at, coalesce(i.ended_at, i.impact_end) as ended_at, "
                           "i.planned, coalesce(i.severity_rank, 0) as severity_rank, "
                           "q.priority_score from incidents.incidents i "
                           "join incidents.queue q on q.incident_id = i.incident_id")
    predicted_resources = query(
        con, "select ie.incident_id, e.resource_id from incidents.incident_episodes ie "
             "join incidents.episodes e on e.episode_id = ie.episode_id "
             "union select incident_id, root_resource_id from incidents.incidents "
             "where root_resource_id is not null")
    matches = match_incidents(predicted, predicted_resources, truth, truth_resources)
    truth = truth.join(true_minutes, on="incident_id", how="left").with_columns(
        pl.col("true_minutes").fill_null(0))
    scored = (predicted.join(matches, on="incident_id", how="left")
              .join(truth.select(pl.col("incident_id").alias("truth_id"), "true_minutes",
                                 "kind_true", "customer_impacting", "root_true", "n_alarms",
                                 "alarmed"), on="truth_id", how="left")
              .with_columns(pl.col("true_minutes").fill_null(0)))
    report = {
        "predicted_incidents": predicted.height,
        "true_incidents": truth.height,
        "matched": matches.height,
        "missed_true": sorted(set(truth["incident_id"]) - set(matches["truth_id"])),
    }
    report |= ranking_figures(scored, truth)
    report |= root_cause_figures(con, scored, truth)
    report |= silent_figures(scored, truth)
    report["protected_below_impacting"] = protected_check(scored)
    return report


def load_truth(truth_dir: Path) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    paths = {name: truth_dir / name for name in
             ("incidents.csv", "incident_resources.csv", "incident_services.parquet")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise TruthError(f"{truth_dir} lacks {', '.join(missing)}: point it at the _truth/ "
                         "folder of a world written by `cxbridge generate`")
    stamp = "%Y-%m-%dT%H:%M:%SZ"
    truth = (pl.read_csv(paths["incidents.csv"], schema_overrides={"start": pl.String,
                                                                  "end": pl.String})
             .select("incident_id", pl.col("kind").alias("kind_true"),
                     pl.col("root_resource_id").alias("root_true"),
                     pl.col("start").str.to_datetime(stamp).alias("start"),
                     pl.col("end").str.to_datetime(stamp).alias("end"),
                     "alarmed", "planned", "customer_impacting", "n_alarms"))
    resources = pl.read_csv(paths["incident_resources.csv"]).select("incident_id", "resource_id")
    resources = pl.concat([resources, truth.select("incident_id",
                                                   pl.col("root_true").alias("resource_id"))]
                          ).unique()
    minutes = (pl.read_parquet(paths["incident_services.parquet"])
               .group_by("incident_id").agg(pl.col("impact_minutes").sum().cast(pl.Float64)
                                            .alias("true_minutes")))
    return truth, resources, minutes


def match_incidents(predicted: pl.DataFrame, predicted_resources: pl.DataFrame,
                    truth: pl.DataFrame, truth_resources: pl.DataFrame,
                    tolerance: timedelta = TOLERANCE) -> pl.DataFrame:
    """``incident_id`` (predicted) → ``truth_id``, one-to-one (see the module docstring).
    ``predicted``: incident_id, started_at, ended_at; ``truth``: incident_id, start, end;
    the resource frames: incident_id, resource_id."""
    shared = (predicted_resources.join(truth_resources.rename({"incident_id": "truth_id"}),
                                       on="resource_id")
              .group_by("incident_id", "truth_id").agg(pl.len().alias("shared")))
    pairs = (shared.join(predicted.select("incident_id", "started_at", "ended_at"),
                         on="incident_id")
             .join(truth.select(pl.col("incident_id").alias("truth_id"), "start", "end"),
                   on="truth_id")
             .filter((pl.col("started_at") <= pl.col("end") + tolerance)
                     & (pl.col("ended_at") >= pl.col("start") - tolerance))
             .with_columns(gap=(pl.col("started_at") - pl.col("start")).abs())
             .sort(["shared", "gap", "incident_id", "truth_id"],
                   descending=[True, False, False, False]))
    used_p, used_t, rows = set(), set(), []
    for p, t in pairs.select("incident_id", "truth_id").iter_rows():
        if p not in used_p and t not in used_t:
            used_p.add(p)
            used_t.add(t)
            rows.append((p, t))
    return pl.DataFrame(rows, schema={"incident_id": pl.String, "truth_id": pl.String},
                        orient="row")


def ndcg_at(gains: list[float], ideal: list[float], k: int = 10) -> float | None:
    """Normalised discounted cumulative gain of ``gains`` (in ranked order) against the best
    possible order of ``ideal``; None when nothing has any gain."""
    def dcg(values: list[float]) -> float:
        return sum(g / math.log2(i + 2) for i, g in enumerate(values[:k]))
    best = dcg(sorted(ideal, reverse=True))
    return round(dcg(gains) / best, 4) if best > 0 else None


def _gains_in_order(scored: pl.DataFrame, by: list[str], descending: list[bool]) -> list[float]:
    """Gains in ranked order; a true incident matched twice would only count once anyway."""
    return scored.sort(by, descending=descending)["true_minutes"].to_list()


def ranking_figures(scored: pl.DataFrame, truth: pl.DataFrame) -> dict:
    unplanned = scored.filter(~pl.col("planned"))
    ideal = truth.filter(~pl.col("planned"))["true_minutes"].to_list()
    by_score = _gains_in_order(unplanned, ["priority_score", "rank"], [True, False])
    by_queue = _gains_in_order(unplanned, ["rank"], [False])
    by_severity = _gains_in_order(unplanned, ["severity_rank", "started_at", "incident_id"],
                                  [True, False, False])
    everything = _gains_in_order(scored, ["priority_score", "rank"], [True, False])
    return {
        "ndcg10": ndcg_at(by_score, ideal),
        "ndcg10_queue": ndcg_at(by_queue, ideal),
        "ndcg10_severity": ndcg_at(by_severity, ideal),
        "ndcg10_with_planned": ndcg_at(everything, truth["true_minutes"].to_list()),
        "top10": unplanned.sort("rank").head(10).select(
            "rank", "incident_id", "truth_id", "kind_true", "priority_score",
            "true_minutes").to_dicts(),
    }


def root_cause_figures(con, scored: pl.DataFrame, truth: pl.DataFrame) -> dict:
    multi = truth.filter(pl.col("n_alarms") >= 2)
    if multi.is_empty():
        return {"root_cause_rate": None, "root_cause_rate_without_hints": None,
                "multi_alarm_incidents": 0}
    matched = scored.filter(pl.col("truth_id").is_in(multi["incident_id"].to_list()))
    right = matched.filter(pl.col("root_resource_id") == pl.col("root_true")).height
    without = _roots_without_hints(con)
    right_without = sum(
        1 for incident_id, root_true in matched.select("incident_id", "root_true").iter_rows()
        if without.get(incident_id) == root_true)
    return {"root_cause_rate": round(right / multi.height, 4),
            "root_cause_rate_without_hints": round(right_without / multi.height, 4),
            "multi_alarm_incidents": multi.height,
            "root_cause_misses": matched.filter(pl.col("root_resource_id") != pl.col("root_true"))
            .select("incident_id", "truth_id", "root_resource_id", "root_true").to_dicts()}


def _roots_without_hints(con) -> dict[str, str]:
    """Predicted incident → the root resource topology and time alone would name."""
    episodes = query(con, "select episode_id, resource_id, started_at, service_affecting or "
                          "planned as affecting, severity_rank, root_hint from incidents.episodes")
    links = query(con, "select upper_id, lower_id, relation, both_affecting "
                       "from incidents.episode_links")
    plain = correlate(episodes, links, use_hints=False)
    current = query(con, "select incident_id, root_episode_id from incidents.incidents "
                         "where source = 'alarm'")
    resource_of = dict(episodes.select("episode_id", "resource_id").iter_rows())
    root_of = {e: i for i, e, role in plain.iter_rows() if role == "root"}
    incident_of = dict(plain.select("episode_id", "incident_id").iter_rows())
    answer = {}
    for incident_id, root_episode in current.iter_rows():
        other = incident_of.get(root_episode)
        root = next((e for e, i in root_of.items() if i == other), None)
        answer[incident_id] = resource_of.get(root)
    return answer


def silent_figures(scored: pl.DataFrame, truth: pl.DataFrame) -> dict:
    predicted = scored.filter(pl.col("source") == "silent")
    true_silent = truth.filter(~pl.col("alarmed"))
    hits = predicted.filter(pl.col("alarmed") == False)  # noqa: E712 (null: unmatched)
    return {
        "silent_predicted": predicted.height,
        "silent_true": true_silent.height,
        "silent_precision": round(hits.height / predicted.height, 4) if predicted.height
        else None,
        "silent_recall": round(hits["truth_id"].n_unique() / true_silent.height, 4)
        if true_silent.height else None,
    }


def protected_check(scored: pl.DataFrame) -> dict | None:
    """Do redundant-link failures rank below every incident that hurt customers?"""
    ranked = scored.filter(~pl.col("planned")).sort("rank").with_row_index("position", 1)
    protected = ranked.filter(pl.col("kind_true") == "redundant_link_failure")
    if protected.is_empty():
        return None
    hurting = ranked.filter(pl.col("customer_impacting").fill_null(False))
    lowest = int(hurting["position"].max()) if hurting.height else 0
    positions = protected["position"].to_list()
    return {"holds": all(p > lowest for p in positions), "protected_positions": positions,
            "lowest_impacting_position": lowest}
