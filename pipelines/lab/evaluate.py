"""``cxbridge evaluate``: compare what the pipeline built with a generated world's ground truth.

Each section is a plain dict of named figures, so ``--json`` prints one object of sections.
This module reads the ground truth; the pipeline itself never does.

* ``outage_attribution``: precision and recall of the service-days that alarms attribute to
  services (``core.service_fault_days``) against the service-days alarmed incidents truly hurt.
* ``experience``: does the Service Experience Index separate the service-days the truth says
  were degraded (``auc_degraded``, ROC AUC of 100 − SEI), and does it predict survey
  detractors (NPS 0–6) better than any single raw KPI (``auc_detractors`` beside
  ``auc_best_single_kpi``)?
* ``churn``: the churn model's temporal holdout against the true churners
  (``pipelines/lab/churn_evaluation.py``): ROC AUC, Brier and a calibration table, and how often
  a network-caused churner has a network reason among its top three.
* ``impact``: the incident queue against the true incidents
(``pipelines/lab/incident_evaluation.py``):
  NDCG@10 by impact and by alarm severity, root causes found, silent degradations' precision
  and recall, and the protected-link failure ranked below every incident that hurt customers.
* ``what_if``: planned work projected before it happened against what it truly hurt
  (``pipelines/lab/whatif_evaluation.py``): services and customers exactly equal per work.
  Past campaigns projected from the data before each (``pipelines/lab/campaign_evaluation.py``):
  busy-hour utilisation error per resource, precision and recall of congestion flags.
* ``outcomes``: each simulated programme's measured effect on churn against its true effect
  (``pipelines/lab/outcome_evaluation.py``): the share whose 95 % interval holds it.
* ``arrival``: did every generated file and entity arrive? Per file, the rows the generator
  wrote against the rows ingest read, and its clean rows against the rows loaded (dirty rows
  must be quarantined, clean rows loaded); per entity, the generator's count against the
  warehouse's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cxbridge.platform import warehouse
from cxbridge.platform.errors import UserError
from cxbridge.platform.settings import Settings

SQL = Path(__file__).resolve().parent / "sql"

# Files whose lines expand into several records at ingest (a TMF638 CFS carries its RFS and
# bindings inline): compared by entity, not by row.
_MULTI_RECORD_SOURCES = ("services/",)

# How the warehouse counts each entity the generator reports (only these are compared):
# entity → (table the count needs, query).
ENTITY_COUNTS = {
    "customers": ("stg.customers", "select count(*) from stg.customers"),
    "services": ("stg.services", "select count(*) from stg.services where category = 'CFS'"),
    "alarms": ("core.alarms", "select count(*) from core.alarms"),
    "resources": ("stg.resources", "select count(*) from stg.resources"),
    "resource_links": ("stg.resource_links", "select count(*) from stg.resource_links"),
    "kpi_rows": ("stg.kpi_15min", "select count(*) from stg.kpi_15min"),
    "alarm_events": ("stg.alarm_events", "select count(*) from stg.alarm_events"),
    "usage_rows": ("stg.usage", "select count(*) from stg.usage"),
    "tickets": ("stg.tickets", "select count(*) from stg.tickets"),
    "surveys": ("stg.surveys", "select count(*) from stg.surveys"),
    "campaign_targets": ("stg.campaigns", "select count(*) from stg.campaigns"),
}


@dataclass(frozen=True)
class Target:
    """What a figure of the report should reach: ``op`` (``>=``, ``<=``, ``>``, ``==``) against
    ``bound``, a number, ``True``, or the name of another figure of the same section (the
    experience index must beat the best single KPI); ``why``: where the target comes from."""

    op: str
    bound: float | bool | str
    why: str = "README, How good is it"

    def describe(self) -> str:
        if self.bound is True:
            return "yes"
        return f"{ {'>=': '≥', '<=': '≤', '==': '='}.get(self.op, self.op)} {self.bound}"

    def met(self, value, figures: dict) -> bool | None:
        """Whether ``value`` (a figure of ``figures``, its section) meets the target; ``None``
        when it cannot be told (the figure, or the one it is compared with, is missing)."""
        bound = figures.get(self.bound) if isinstance(self.bound, str) else self.bound
        if isinstance(value, dict) and "holds" in value:  # a check with its evidence
            value = value["holds"]
        if value is None or bound is None:
            return None
        return {">=": value >= bound, "<=": value <= bound, ">": value > bound,
                "==": value == bound}[self.op]


# The targets of the README's evaluation table (and of issue 11 for the churn reasons), in one
# place: ``cxbridge evaluate`` shows each figure's verdict beside it. (section, figure) → target.
TARGETS: dict[tuple[str, str], Target] = {
    ("arrival", "all_arrived"): Target("==", True, "every file and entity arrives"),
    ("arrival", "clean_rows_not_loaded"): Target("==", 0, "no clean row is lost"),
    ("outage_attribution", "precision"): Target(">=", 0.95),
    ("outage_attribution", "recall"): Target(">=", 0.95),
    ("experience", "auc_degraded"): Target(">=", 0.95),
    ("experience", "auc_detractors"): Target(">", "auc_best_single_kpi"),
    ("impact", "ndcg10"): Target(">=", 0.9),
    ("impact", "root_cause_rate"): Target(">=", 0.9),
    ("impact", "silent_precision"): Target(">=", 0.8),
    ("impact", "silent_recall"): Target(">=", 0.8),
    ("impact", "protected_below_impacting"): Target("==", True),
    ("churn", "network_reason_top3_rate"): Target(">=", 0.9, "README, Network reasons"),
    ("churn", "network_reason_top3_rate_other_churners"): Target(
        "<=", 0.2, "README, Network reasons"),
    ("what_if", "planned_customers_exact_rate"): Target(
        "==", 1.0, "issue 19: planned-work customers affected exactly equal to the truth"),
    ("what_if", "planned_services_exact_rate"): Target(
        "==", 1.0, "issue 19: planned work's services as the truth's"),
    ("what_if", "campaign_util_mae_pts"): Target(
        "<=", 10.0, "issue 19: projected busy-hour utilisation within 10 points of the truth"),
    ("what_if", "campaign_flag_precision"): Target(
        ">=", 0.8, "issue 19: resources flagged to congest, precision"),
    ("what_if", "campaign_flag_recall"): Target(
        ">=", 0.8, "issue 19: resources flagged to congest, recall"),
    ("outcomes", "within_interval_rate"): Target(
        ">=", 0.9, "issue 20: measured effect within its 95 % interval of the true effect"),
    ("outcomes", "uplift_qini"): Target(
        ">", "risk_qini", "issue 20: the uplift model's Qini on a temporal holdout above a "
        "risk-only ranking's"),
}


class TruthError(UserError, ValueError):
    """The truth folder (or the warehouse to hold to it) cannot be used; the message says
    why."""


def load_manifest(truth_dir: Path) -> dict:
    path = truth_dir / "manifest.json"
    if not path.is_file():
        raise TruthError(f"{truth_dir} holds no manifest.json: point --truth at the _truth/ "
                         "folder of a world written by `cxbridge generate`")
    return json.loads(path.read_text(encoding="utf-8"))


def evaluate(settings: Settings, truth_dir: Path) -> dict:
    truth_dir = truth_dir.resolve()
    manifest = load_manifest(truth_dir)
    with warehouse.connect(settings, read_only=True) as con:
        files = warehouse.query(
            con, "select path, status, rows_read, rows_loaded, rows_quarantined, message "
                 "from meta.ingest_files where superseded_at is null")
        counts = {name: int(warehouse.scalar(con, sql))
                  for name, (table, sql) in ENTITY_COUNTS.items()
                  if name in manifest.get("entities", {}) and warehouse.table_exists(con, table)}
        attribution = (outage_attribution(con, truth_dir)
                       if warehouse.table_exists(con, "core.service_fault_days") else {})
        experience = (experience_figures(con, truth_dir)
                      if warehouse.table_exists(con, "marts.service_experience_daily") else {})
        churn = {}
        if warehouse.table_exists(con, "marts.customer_daily"):
            from cxbridge.lab.churn_evaluation import evaluate_churn

            churn = evaluate_churn(con, truth_dir)
        impact = {}
        if warehouse.table_exists(con, "incidents.queue"):
            from cxbridge.lab.incident_evaluation import evaluate_impact

            impact = evaluate_impact(con, truth_dir)
        what_if = {}
        if warehouse.table_exists(con, "core.cfs_resources"):
            from cxbridge.lab.whatif_evaluation import evaluate_planned

            what_if = evaluate_planned(con, truth_dir)
        if warehouse.table_exists(con, "stg.campaigns"):
            from cxbridge.lab.campaign_evaluation import evaluate_campaigns

            what_if.update(evaluate_campaigns(con, truth_dir, settings.whatif))
        outcomes = {}
        if warehouse.table_exists(con, "marts.programme_outcomes"):
            from cxbridge.lab.outcome_evaluation import evaluate_outcomes

            outcomes = evaluate_outcomes(con, truth_dir)
    report = {"arrival": arrival(manifest, files, truth_dir.parent, counts)}
    if attribution:
        report["outage_attribution"] = attribution
    if experience:
        report["experience"] = experience
    if churn:
        report["churn"] = churn
    if impact:
        report["impact"] = impact
    if what_if:
        report["what_if"] = what_if
    if outcomes:
        report["outcomes"] = outcomes
    return report


def experience_figures(con, truth_dir: Path) -> dict:
    """ROC AUCs of the experience index against the truth's degraded service-days and
    against survey detractors, beside the best single raw KPI for detractors."""
    from sklearn.metrics import roc_auc_score

    days = warehouse.query(con, warehouse.read_sql(SQL / "experience_degraded.sql"),
                           {"service_day_impact": str(truth_dir / "service_day_impact.parquet")})
    figures: dict = {"service_days": days.height,
                     "degraded_service_days": int(days["degraded"].sum())}
    if days["degraded"].n_unique() == 2:
        figures["auc_degraded"] = round(float(roc_auc_score(
            days["degraded"].to_numpy(), 100 - days["sei"].to_numpy())), 4)
    answers = warehouse.query(con, warehouse.read_sql(SQL / "experience_detractors.sql"))
    figures["survey_answers"] = answers.height
    figures["detractors"] = int(answers["detractor"].sum()) if answers.height else 0
    if answers.height and answers["detractor"].n_unique() == 2:
        label = answers["detractor"].to_numpy()

        def auc(column: str) -> float:
            values = answers[column].cast(pl.Float64).fill_nan(None)
            filled = values.fill_null(values.median() if values.drop_nulls().len() else 0.0)
            return float(roc_auc_score(label, filled.to_numpy()))

        figures["auc_detractors"] = round(auc("sei_shortfall"), 4)
        single = {c: auc(c) for c in answers.columns
                  if c not in ("detractor", "sei_shortfall", "poor_days")}
        best = max(single, key=single.get)
        figures["auc_best_single_kpi"] = round(single[best], 4)
        figures["best_single_kpi"] = best
        figures["auc_single_kpis"] = {k: round(v, 4) for k, v in single.items()}
    return figures


def outage_attribution(con, truth_dir: Path) -> dict:
    """Service-days the alarm-based attribution (``core.service_fault_days``) marks as hit,
    against the service-days the truth says alarmed incidents degraded."""
    files = {"incident_services": str(truth_dir / "incident_services.parquet"),
             "incidents": str(truth_dir / "incidents.csv")}
    by_kind = warehouse.query(con, warehouse.read_sql(SQL / "outage_attribution.sql"), files)
    truth, found, hits = warehouse.rows(
        con, warehouse.read_sql(SQL / "outage_attribution_total.sql"), files)[0]
    return {
        "precision": round(hits / found, 4) if found else None,
        "recall": round(hits / truth, 4) if truth else None,
        "truth_service_days": truth,
        "found_service_days": found,
        "recall_by_kind": {row["kind"]: round(row["hits"] / row["truth_days"], 4)
                           for row in by_kind.iter_rows(named=True)},
    }


def arrival(manifest: dict, files: pl.DataFrame, raw_dir: Path, counts: dict[str, int]) -> dict:
    """Every generated file ingested, every row accounted for, every entity present."""
    ingested = {Path(p).resolve().relative_to(raw_dir.resolve()).as_posix(): row
                for p, row in zip(files["path"], files.iter_rows(named=True), strict=True)
                if Path(p).resolve().is_relative_to(raw_dir.resolve())}
    missing_files, rejected, row_mismatch, clean_not_loaded = [], [], [], 0
    for relative, expected in manifest.get("files", {}).items():
        got = ingested.get(relative)
        if got is None:
            missing_files.append(relative)
            continue
        if got["status"] == "rejected":
            rejected.append({"file": relative, "why": got["message"]})
            continue
        if relative.startswith(_MULTI_RECORD_SOURCES):
            continue
        if got["rows_read"] != expected["rows"]:
            row_mismatch.append({"file": relative, "written": expected["rows"],
                                 "read": got["rows_read"]})
        clean_not_loaded += max(0, expected["rows"] - expected["dirty_rows"] - got["rows_loaded"])
    entities = {
        name: {"expected": expected, "loaded": counts[name],
               "missing": max(0, expected - counts[name])}
        for name, expected in manifest.get("entities", {}).items() if name in counts
    }
    quarantined = int(files["rows_quarantined"].sum()) if files.height else 0
    return {
        "files_expected": len(manifest.get("files", {})),
        "files_missing": missing_files,
        "files_rejected": rejected,
        "row_count_mismatches": row_mismatch,
        "dirty_rows_written": manifest.get("dirty_rows_total", 0),
        "rows_quarantined": quarantined,
        "clean_rows_not_loaded": clean_not_loaded,
        "entities": entities,
        "all_arrived": not (missing_files or rejected or row_mismatch or clean_not_loaded
                            or any(e["missing"] for e in entities.values())),
    }
