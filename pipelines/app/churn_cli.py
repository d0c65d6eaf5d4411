"""``cxbridge churn …``: on any table (``--data``, the any-table mode), ``train`` a model chosen
by validation, ``score`` exactly the rows of another table and ``evaluate`` it (nested, beside
a plain gradient-boosting baseline), for 0/1 churn or several classes (fault severity), with
keyed side tables; without ``--data``, ``train`` on the warehouse's customers and ``score`` them
into ``marts.churn_scores``.

Imports only typer and rich at module level; the modelling stack loads when a command runs,
so ``cxbridge --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

churn_app = typer.Typer(help="Churn (and fault-severity) models: train, score and evaluate on "
                             "any table (--data, the any-table mode), or on the warehouse's "
                             "customers (train / score without --data).",
                        no_args_is_help=True, add_completion=False)
console = Console()
errors = Console(stderr=True)


@churn_app.command()
def evaluate(
    data: Annotated[Path, typer.Option(help="Main table: CSV (or Parquet), one row per "
                                            "customer (or per incident, …).")],
    label: Annotated[str, typer.Option(help="Column holding the outcome (churned; a fault "
                                            "severity 0/1/2, …).")],
    positive: Annotated[str | None, typer.Option(help="Value of the label that means churn "
                                                      "(a 0/1 model). Leave out for a label "
                                                      "with several classes.")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="Id column (left out of the "
                                                  "features; must not repeat unless --time "
                                                  "is given).")] = None,
    side: Annotated[list[str] | None, typer.Option(help="KEY=FILE: a side table keyed by "
                                                        "column KEY (in both tables), "
                                                        "aggregated per key. Repeatable.")]
    = None,
    time_column: Annotated[str | None, typer.Option("--time", help="Date column: evaluate on "
                                                    "a time split (fit on the earlier 80 %, "
                                                    "test on the latest 20 %).")] = None,
    network: Annotated[list[str] | None, typer.Option(help="Column whose reasons are "
                                                           "network-rooted. Repeatable.")]
    = None,
    exclude: Annotated[list[str] | None, typer.Option(help="Column to leave out of the "
                                                           "features (one known only after "
                                                           "the outcome). Repeatable.")]
    = None,
    folds: Annotated[int, typer.Option(help="Outer cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed of the fold splits.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Nested cross-validation of the model chosen by validation (logistic, boosted trees,
    their blends) beside a plain gradient-boosting baseline, on any table; the reasons'
    overall ranking."""
    from cxbridge.models.churn.selection import (
        nested_cross_validate,
        prepare_table,
        time_split_evaluate,
    )
    from cxbridge.platform.table_files import read_table, resolve_column

    frame = read_table(data)
    columns = frame.columns
    label, id_column, time_column = (resolve_column(columns, label), resolve_column(
        columns, id_column), resolve_column(columns, time_column))
    prepared = prepare_table(frame, label, positive=positive, id_column=id_column,
                             time_column=time_column, sides=read_sides(side, columns),
                             network=_resolved(columns, network), exclude=_resolved(
                                 columns, exclude))

    _warn(prepared.warnings)      # before the (long) run: a leak is worth stopping for

    def run() -> dict:
        if time_column is not None:
            return time_split_evaluate(prepared, seed=seed)
        return nested_cross_validate(prepared, folds=folds, seed=seed)

    if as_json:
        report = run()
    else:
        with errors.status(f"Evaluating on {frame.height:,} rows…"):
            report = run()
    too_good = _too_good(report["models"]["selected"], prepared.target.binary)
    report["warnings"] = prepared.warnings + too_good
    _warn(too_good)
    if as_json:
        print(json.dumps(report, indent=2, default=str))
        return
    _print_report(data, report)


def _resolved(columns: list[str], names: list[str] | None) -> list[str]:
    from cxbridge.platform.table_files import resolve_column

    return [resolve_column(columns, name) or name for name in names or []]


def read_sides(options: list[str] | None, main_columns: list[str] | None = None) -> dict:
    """``KEY=FILE`` options → {file stem: (key, table)}; KEY is matched to the main table's
    column as :func:`resolve_column` does, and the side table's key column renamed to it."""
    from cxbridge.models.churn.tabular import ChurnDataError
    from cxbridge.platform.table_files import read_table, resolve_column

    out: dict = {}
    for option in options or []:
        key, sep, file = option.partition("=")
        if not sep or not key.strip() or not file.strip():
            raise ChurnDataError(f"--side {option!r}: write KEY=FILE (e.g. --side "
                                 f"id=events.csv), KEY a column of both tables")
        path = Path(file.strip())
        if path.stem in out:
            raise ChurnDataError(f"two side tables named {path.stem!r}; rename one file")
        table = read_table(path)
        key = resolve_column(main_columns or [], key.strip()) or key.strip()
        own = resolve_column(table.columns, key)
        if own != key and own in table.columns and key not in table.columns:
            table = table.rename({own: key})
        out[path.stem] = (key, table)
    return out


def _warn(warnings: list[str]) -> None:
    for line in warnings:
        errors.print(f"[yellow]Warning:[/yellow] {escape(line)}", soft_wrap=True)


def _too_good(figures: dict, binary: bool) -> list[str]:
    """A warning when validation is nearly perfect, which churn data never is."""
    if binary and figures.get("roc_auc", 0) >= 0.99:
        return [f"validation ROC AUC {figures['roc_auc']:.3f} is nearly perfect, which a churn "
                f"table never is: look for a column recorded after the outcome (the reasons "
                f"name the strongest) and leave it out with --exclude"]
    return []


def _print_report(data: Path, report: dict) -> None:
    binary = report["target"]["positive"] is not None
    columns = (("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC"), ("brier", "Brier"),
               ("lift_top_decile", "lift top decile")) if binary else \
        (("log_loss", "log loss"), ("accuracy", "accuracy"), ("mae_expected", "MAE expected"))
    rates = ", ".join(f"{c} {r:.1%}" for c, r in report["class_rates"].items())
    outcome = (f"{report['positive_rate']:.1%} {report['label']} = {report['positive']}"
               if binary else f"{report['label']}: {rates}")
    table = Table("model", *(name for _, name in columns),
                  title=f"Model on {data.name}: {report['rows']:,} rows, {outcome}",
                  title_justify="left")
    for kind, figures in report["models"].items():
        cells = [f"{figures[key]:.3f}" + (f" ± {figures[key + '_std']:.3f}"
                                          if key + "_std" in figures and n == 0 else "")
                 for n, (key, _) in enumerate(columns)]
        table.add_row(f"[bold]{kind}[/bold]" if kind == "selected" else kind, *cells)
    console.print(table)
    chosen = ", ".join(report["selected_per_fold"])
    console.print(f"Reported model: [bold]selected[/bold] by log loss on inner folds of each "
                  f"training part (chose: {chosen}); baseline: plain gradient boosting, same "
                  f"features and folds. {report['validation']}. {report['seconds']:.1f} s.",
                  soft_wrap=True)
    if report.get("reasons"):
        reasons = Table("reason", "in top 3", "first", "mean contribution", "network",
                        title="Reasons, overall (each row explained by a model that did not "
                              "see it)", title_justify="left")
        for row in report["reasons"][:12]:
            reasons.add_row(escape(row["feature"]), f"{row['share_top_k']:.0%}",
                            f"{row['share_first']:.0%}", f"{row['mean_contribution']:.3f}",
                            "yes" if row["network"] else "")
        console.print(reasons)
    left_out = report["features"]["excluded"]
    if left_out:
        console.print("Columns left out: " + "; ".join(f"{name} ({why})"
                                                       for name, why in left_out.items()),
                      soft_wrap=True)


# --- the warehouse's customers: cxbridge churn train / score --------------------------------
# Each is a run of its own in meta.runs, whose id the scores carry.


@churn_app.command()
def train(
    data: Annotated[Path | None, typer.Option(help="Any-table mode: train on this table (CSV "
                                                   "or Parquet) instead of the warehouse's "
                                                   "generated world.")] = None,
    label: Annotated[str | None, typer.Option(help="With --data: the outcome column.")]
    = None,
    positive: Annotated[str | None, typer.Option(help="With --data: the label value meaning "
                                                      "churn; leave out for several "
                                                      "classes.")] = None,
    id_column: Annotated[str | None, typer.Option("--id", help="With --data: the id column "
                                                  "(must not repeat unless --time).")] = None,
    side: Annotated[list[str] | None, typer.Option(help="With --data: KEY=FILE side table, "
                                                        "aggregated per KEY. Repeatable.")]
    = None,
    time_column: Annotated[str | None, typer.Option("--time", help="With --data: date column "
                                                    "(left out of the features; rows may be "
                                                    "dated snapshots of the same ids).")]
    = None,
    network: Annotated[list[str] | None, typer.Option(help="With --data: column whose "
                                                           "reasons are network-rooted. "
                                                           "Repeatable.")] = None,
    exclude: Annotated[list[str] | None, typer.Option(help="With --data: column to leave out "
                                                           "of the features (one known only "
                                                           "after the outcome). Repeatable.")]
    = None,
    name: Annotated[str | None, typer.Option(help="With --data: model name (default: "
                                                  "table-<file name>).")] = None,
    validate: Annotated[bool, typer.Option("--validate/--no-validate",
                                           help="With --data: nested cross-validation "
                                                "figures in the card.")] = True,
    stability: Annotated[int, typer.Option(help="With --data: bootstrap refits measuring "
                                                "the reasons' stability (0: skip).")] = 3,
    lookback: Annotated[int, typer.Option(help="Days of history before each snapshot.")] = 30,
    horizon: Annotated[int, typer.Option(help="Churn within this many days of a snapshot.")]
    = 30,
    interval: Annotated[int, typer.Option(help="Days between snapshots.")] = 30,
    seed: Annotated[int, typer.Option(help="Random seed of the calibration folds.")] = 0,
    score_now: Annotated[bool, typer.Option("--score/--no-score",
                                            help="Score every customer with the new model.")]
    = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Train a model and save it with its card: on the warehouse's generated world (no
    --data), or on any table (--data FILE --label COL, the any-table mode)."""
    if data is not None:
        _train_table(data, label, positive, id_column, side, time_column, network, name,
                     validate, stability, seed, as_json, exclude)
        return
    from cxbridge.models.churn.features import Schedule
    from cxbridge.models.churn.world import score as score_customers
    from cxbridge.models.churn.world import train as train_model
    from cxbridge.platform import runs, warehouse
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    schedule = Schedule(lookback, horizon, interval)
    with warehouse.connect(settings) as con, runs.recorded(con, "churn train") as run:
        if as_json:
            result = train_model(con, settings.models_dir, schedule, seed)
        else:
            with errors.status("Training the churn model…"):
                result = train_model(con, settings.models_dir, schedule, seed)
        scored = (score_customers(con, result.model, result.card, run.run_id)
                  if score_now else None)
    holdout = result.card["metrics"]["temporal_holdout"]
    if as_json:
        print(json.dumps({"model_version": result.card["model_version"],
                          "path": str(result.path), "seconds": result.seconds,
                          "training_rows": result.model.training_rows,
                          "temporal_holdout": {k: v for k, v in holdout.items()
                                               if k not in ("lift", "calibration")},
                          "scored": _scored_dict(scored)}, indent=2, default=str))
        return
    console.print(f"[green]Trained[/green] churn model {result.card['model_version']} on "
                  f"{result.model.training_rows:,} customer-snapshots "
                  f"({', '.join(result.card['data_window']['snapshots'])}) in "
                  f"{result.seconds:.1f} s → {result.path}")
    if "skipped" in holdout:
        console.print(f"No temporal holdout: {holdout['skipped']}")
    else:
        console.print(f"Temporal holdout (fitted on {', '.join(holdout['train_snapshots'])}, "
                      f"tested on {holdout['test_snapshot']}, {holdout['rows']:,} customers, "
                      f"{holdout['positive_rate']:.1%} churned): ROC AUC "
                      f"{holdout['roc_auc']:.3f}, Brier {holdout['brier']:.4f}, lift in the "
                      f"riskiest tenth {holdout['lift_top_decile']:.1f}×")
    if scored:
        _print_scored(scored)


def _train_table(data: Path, label: str | None, positive: str | None, id_column: str | None,
                 side: list[str] | None, time_column: str | None, network: list[str] | None,
                 name: str | None, validate: bool, stability: int, seed: int,
                 as_json: bool, exclude: list[str] | None = None) -> None:
    import time as clock

    from cxbridge.models.churn.card import save_model
    from cxbridge.models.churn.selection import (
        INNER_FOLDS,
        check_sizes,
        fit_table,
        nested_cross_validate,
        prepare_table,
    )
    from cxbridge.models.churn.sides import side_name
    from cxbridge.models.churn.tabular import ChurnDataError
    from cxbridge.platform.settings import load_settings
    from cxbridge.platform.table_files import read_table, resolve_column

    started = clock.perf_counter()
    if label is None:
        raise ChurnDataError("--data needs --label (the outcome column)")
    settings = load_settings()
    frame = read_table(data)
    columns = frame.columns
    label, id_column, time_column = (resolve_column(columns, label), resolve_column(
        columns, id_column), resolve_column(columns, time_column))
    prepared = prepare_table(frame, label, positive=positive, id_column=id_column,
                             time_column=time_column, sides=read_sides(side, columns),
                             network=_resolved(columns, network),
                             exclude=_resolved(columns, exclude))
    if validate and time_column is None:
        check_sizes(prepared.y, prepared.target, 5, INNER_FOLDS,
                    hint="train without the nested figures with --no-validate")
    with errors.status(f"Training on {frame.height:,} rows…"):
        report = (nested_cross_validate(prepared, seed=seed, reasons=False)
                  if validate and time_column is None else None)
        model = fit_table(prepared, seed=seed, stability=stability)
    window = {"file": str(data), "rows": frame.height}
    if prepared.times is not None:
        window |= {"from": str(prepared.times.min()), "to": str(prepared.times.max())}
    warnings = prepared.warnings + _too_good(
        report["models"]["selected"] if report else
        model.selection.candidates.get(model.kind, {}), model.target.binary)
    if warnings:
        window["warnings"] = warnings
    _warn(warnings)
    path, card = save_model(
        model, settings.models_dir, name=name or f"table-{side_name(data.stem)}",
        data_window=window,
        metrics={"nested_cv": {k: v for k, v in report.items()
                               if k not in ("features", "sides", "folds")}}
        if report else None,
        notes="Chosen by validation; cxbridge churn score --model <this folder> --data "
              "FILE scores a table with the same columns.")
    seconds = clock.perf_counter() - started
    if as_json:
        print(json.dumps({"path": str(path), "seconds": round(seconds, 2), **card}, indent=2,
                         default=str))
        return
    console.print(f"[green]Trained[/green] {card['name']} {card['model_version']} on "
                  f"{model.training_rows:,} rows in {seconds:.1f} s → {escape(str(path))}")
    candidates = card["selection"]["candidates"]
    key = "roc_auc" if model.target.binary else "accuracy"
    console.print(f"Chosen: [bold]{model.kind}[/bold] by log loss on inner folds; candidates: "
                  + "; ".join(f"{k} {v['log_loss']:.4f} ({key} {v[key]:.3f})"
                              for k, v in candidates.items()))
    if report:
        headline = ("roc_auc", "pr_auc") if model.target.binary else ("log_loss", "accuracy")
        console.print("Nested cross-validation: " + ", ".join(
            f"{h} {report['models']['selected'][h]:.3f} (plain gradient boosting "
            f"{report['models']['baseline'][h]:.3f})" for h in headline))
    if model.stability.get("refits"):
        console.print(f"Reason stability over {model.stability['refits']} bootstrap refits: "
                      f"top-3 overlap {model.stability['top3_overlap']:.2f}, same first reason "
                      f"{model.stability['first_reason_same']:.0%}")
    if card["reason_groups"]:
        from cxbridge.models.churn.reasons import group_label

        groups = card["reason_groups"]
        console.print(f"Reason groups ({len(groups)}, all in the card): " + "; ".join(
            group_label(tuple(g)) for g in groups[:8]) + ("; …" if len(groups) > 8 else ""))


@churn_app.command()
def score(
    model_path: Annotated[str | None, typer.Option("--model", help="Any-table mode: the model "
                                                   "folder `churn train --data` printed, or "
                                                   "its name.")] = None,
    data: Annotated[Path | None, typer.Option(help="Any-table mode: the table to score "
                                                   "(CSV or Parquet); without it, the "
                                                   "warehouse's customers are scored.")] = None,
    side: Annotated[list[str] | None, typer.Option(help="With --data: the side tables, as at "
                                                        "training (KEY=FILE).")] = None,
    out: Annotated[Path | None, typer.Option(help="With --data: write every row's scores "
                                                  "here (.csv or .parquet).")] = None,
    version: Annotated[str | None, typer.Option(help="Model version (default: the newest).")]
    = None,
    limit: Annotated[int, typer.Option(help="Riskiest customers to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score every customer in service with a saved model into marts.churn_scores; or, with
    --data and --model (the any-table mode), score exactly the rows of a table."""
    if data is not None or model_path is not None:
        _score_table(model_path, data, side, out, limit, as_json)
        return
    from cxbridge.models.churn.card import load_model
    from cxbridge.models.churn.world import MODEL_NAME
    from cxbridge.models.churn.world import score as score_customers
    from cxbridge.platform import runs, warehouse
    from cxbridge.platform.settings import load_settings

    settings = load_settings()
    model, card = load_model(settings.models_dir, version, name=MODEL_NAME)
    with warehouse.connect(settings) as con:
        with runs.recorded(con, "churn score") as run:
            scored = score_customers(con, model, card, run.run_id)
        top = warehouse.query(
            con, "select customer_id, churn_probability, revenue_at_risk_eur, reason_1, "
                 "reason_2, reason_3 from marts.churn_scores "
                 "order by revenue_at_risk_eur desc, customer_id limit $n", {"n": limit})
    if as_json:
        print(json.dumps({**_scored_dict(scored), "riskiest": top.to_dicts()}, indent=2,
                         default=str))
        return
    _print_scored(scored)
    table = Table("customer", "churn risk", "€ at risk / month", "reasons",
                  title="Most revenue at risk", title_justify="left")
    for row in top.iter_rows(named=True):
        reasons = "; ".join(r for r in (row["reason_1"], row["reason_2"], row["reason_3"]) if r)
        table.add_row(row["customer_id"], f"{row['churn_probability']:.0%}",
                      f"{row['revenue_at_risk_eur']:,.2f}", escape(reasons))
    console.print(table)


def _score_table(model_path: str | None, data: Path | None, side: list[str] | None,
                 out: Path | None, limit: int, as_json: bool) -> None:
    from cxbridge.models.churn.card import ArtefactError, load_path
    from cxbridge.models.churn.selection import TableModel
    from cxbridge.models.churn.tabular import ChurnDataError
    from cxbridge.platform.settings import load_settings
    from cxbridge.platform.table_files import read_table

    if model_path is None or data is None:
        raise ChurnDataError("any-table scoring needs both --model and --data")
    if out is not None and out.suffix.lower() not in (".csv", ".parquet"):
        raise ChurnDataError(f"--out {out}: write .csv or .parquet")
    model, card = load_path(Path(model_path), load_settings().models_dir)
    if not isinstance(model, TableModel):
        raise ArtefactError(f"{model_path} is the warehouse's churn model: score it with "
                            f"`cxbridge churn score` (no --data)")
    frame, renames = _align(read_table(data), model)
    sides = {name: table for name, (_, table) in read_sides(side, frame.columns).items()}
    scores = model.score(frame, sides)
    if model.id_column in renames.values():   # the ids under the table's own header
        scores = scores.rename({model.id_column: next(
            own for own, name in renames.items() if name == model.id_column)})
    notes = _scoring_notes(frame, model)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".parquet":
            scores.write_parquet(out)
        else:
            from cxbridge.platform.csv_export import write_csv

            write_csv(scores, out)  # formulas in the user's own columns neutralised
    counted = dict(scores.get_column("risk_band").value_counts().rows())
    bands = [(b, counted[b]) for b in ("high", "medium", "low") if b in counted]
    summary = {"rows": scores.height, "model": card["name"],
               "model_version": card["model_version"], "out": str(out) if out else None,
               "by_band": dict(bands), "notes": notes}
    for line in notes:
        errors.print(f"Note: {escape(line)}", soft_wrap=True)
    if as_json:
        print(json.dumps({**summary, "rows_scored": None if out else scores.to_dicts()},
                         indent=2, default=str))
        return
    console.print(f"Scored {scores.height:,} rows with {card['name']} {card['model_version']}"
                  f" ({', '.join(f'{n:,} {b}' for b, n in bands)})"
                  + (f" → {escape(str(out))}" if out else ""))
    shown = scores.head(limit)
    table = Table(*shown.columns[:-4], "first reason", title=f"First {shown.height} rows",
                  title_justify="left")
    for row in shown.iter_rows():
        cells = [f"{v:.3f}" if isinstance(v, float) else str(v) for v in row[:-4]]
        table.add_row(*cells, escape(row[-4] or ""))
    console.print(table)


def _align(frame, model):
    """The table to score with its columns named as in training where they differ only in
    case, spaces or underscores (``CustomerID`` for ``customerID``), and the renames made."""
    from cxbridge.platform.table_files import resolve_column

    needed = [*model.spec.names, *([model.id_column] if model.id_column else []),
              *(side.key for side in model.sides)]
    renames = {}
    for name in dict.fromkeys(needed):
        if name in frame.columns:
            continue
        found = resolve_column(frame.columns, name)
        if found in frame.columns and found not in needed and found not in renames:
            renames[found] = name
    return (frame.rename(renames) if renames else frame), renames


def _scoring_notes(frame, model) -> list[str]:
    from cxbridge.models.churn.reasons import MAX_REASON_LEVELS
    from cxbridge.models.churn.tabular import unseen_levels

    many = [name for name, levels in model.frequent.items() if len(levels) > MAX_REASON_LEVELS]
    return unseen_levels(frame, model.spec, model.frequent, skip=many)


def _scored_dict(scored) -> dict | None:
    if scored is None:
        return None
    return {"scored_at": scored.scored_at.isoformat(), "customers": scored.customers,
            "model_version": scored.model_version, "run_id": scored.run_id,
            "by_band": scored.by_band, "revenue_at_risk_eur": round(scored.revenue_at_risk_eur, 2),
            "seconds": scored.seconds}


def _print_scored(scored) -> None:
    bands = ", ".join(f"{scored.by_band.get(b, 0):,} {b}" for b in ("high", "medium", "low"))
    console.print(f"Scored {scored.customers:,} customers as of {scored.scored_at} ({bands} "
                  f"risk; €{scored.revenue_at_risk_eur:,.0f} monthly revenue at risk) into "
                  f"marts.churn_scores in {scored.seconds:.1f} s (run {scored.run_id}); "
                  f"dashboards see it after the next publish (cxbridge run).")
