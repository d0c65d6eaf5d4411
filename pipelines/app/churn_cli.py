"""``cxbridge churn …``: evaluate the churn model on any customer table (``evaluate``); train
it on the warehouse's customers (``train``) and score them into ``marts.churn_scores``
(``score``).

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

churn_app = typer.Typer(help="Churn model: evaluate it on any customer table; train it on the "
                             "warehouse's customers and score them.",
                        no_args_is_help=True, add_completion=False)
console = Console()
errors = Console(stderr=True)


@churn_app.command()
def evaluate(
    data: Annotated[Path, typer.Option(help="Customer table: CSV (or Parquet), one row per "
                                            "customer.")],
    label: Annotated[str, typer.Option(help="Column that says whether the customer churned.")],
    positive: Annotated[str, typer.Option(help="Value of the label column that means churn.")],
    id_column: Annotated[str | None, typer.Option("--id", help="Customer id column (left out "
                                                  "of the features; repeated ids are kept in "
                                                  "one fold).")] = None,
    folds: Annotated[int, typer.Option(help="Cross-validation folds.")] = 5,
    seed: Annotated[int, typer.Option(help="Random seed of the fold split.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Stratified cross-validation of the churn model (logistic, GBM and their blend)."""
    from cxbridge.models.churn.evaluation import cross_validate
    from cxbridge.models.churn.tabular import ChurnDataError

    try:
        frame = read_table(data)
        if as_json:
            report = cross_validate(frame, label, positive=positive, id_column=id_column,
                                    folds=folds, seed=seed)
        else:
            with errors.status(f"Cross-validating on {frame.height:,} rows…"):
                report = cross_validate(frame, label, positive=positive, id_column=id_column,
                                        folds=folds, seed=seed)
    except ChurnDataError as exc:
        errors.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    if as_json:
        print(json.dumps(report, indent=2))
        return
    _print_report(data, report)


def read_table(path: Path):
    """Every column as text (types are inferred later); clear errors for unreadable files."""
    import polars as pl

    from cxbridge.models.churn.tabular import ChurnDataError

    if not path.is_file():
        raise ChurnDataError(f"no file at {path}")
    if path.stat().st_size == 0:
        raise ChurnDataError(f"{path} is empty")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ChurnDataError(f"cannot read {path} as a table: {first_line}") from exc
    if frame.width == 0 or frame.height == 0:
        raise ChurnDataError(f"{path} has no data rows")
    return frame.rename(lambda name: name.lstrip("\ufeff").strip())


def _print_report(data: Path, report: dict) -> None:
    table = Table("model", "ROC AUC", "PR AUC", "Brier", "lift top decile",
                  title=f"Churn model on {data.name}: {report['rows']:,} rows, "
                        f"{report['positive_rate']:.1%} {report['label']} = "
                        f"{report['positive']}", title_justify="left")
    for kind, figures in report["models"].items():
        cells = [f"{figures[name]:.3f} ± {figures[name + '_std']:.3f}"
                 for name in ("roc_auc", "pr_auc", "brier", "lift_top_decile")]
        table.add_row(f"[bold]{kind}[/bold]" if kind == report["model"] else kind, *cells)
    console.print(table)
    console.print(f"Reported model: [bold]{report['model']}[/bold] (mean of the calibrated "
                  f"logistic and GBM probabilities, chosen before measuring). "
                  f"{report['validation']}; calibration inside each training fold. "
                  f"{report['seconds']:.1f} s.")
    left_out = report["features"]["excluded"]
    if left_out:
        console.print("Columns left out: " + "; ".join(f"{name} ({why})"
                                                       for name, why in left_out.items()))


# --- the warehouse's customers: cxbridge churn train / score --------------------------------


def _world_errors():
    """The errors a person can act on, printed plainly with exit status 1."""
    from contextlib import contextmanager

    from cxbridge.models.churn.card import ArtefactError
    from cxbridge.models.churn.tabular import ChurnDataError
    from cxbridge.platform.settings import SettingsError
    from cxbridge.platform.warehouse import WarehouseError

    @contextmanager
    def guard():
        try:
            yield
        except (ChurnDataError, ArtefactError, WarehouseError, SettingsError) as exc:
            errors.print(f"[red]Error:[/red] {escape(str(exc))}", highlight=False,
                         soft_wrap=True)
            raise typer.Exit(1) from exc

    return guard()


@churn_app.command()
def train(
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
    """Train the churn model on the warehouse's customers and save it (with its model card)."""
    from cxbridge.jobs.flow import new_run_id
    from cxbridge.models.churn.features import Schedule
    from cxbridge.models.churn.world import score as score_customers
    from cxbridge.models.churn.world import train as train_model
    from cxbridge.platform import warehouse
    from cxbridge.platform.settings import load_settings

    with _world_errors():
        settings = load_settings()
        schedule = Schedule(lookback, horizon, interval)
        with warehouse.connect(settings) as con:
            if as_json:
                result = train_model(con, settings.models_dir, schedule, seed)
            else:
                with errors.status("Training the churn model…"):
                    result = train_model(con, settings.models_dir, schedule, seed)
            scored = (score_customers(con, result.model, result.card, new_run_id())
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


@churn_app.command()
def score(
    version: Annotated[str | None, typer.Option(help="Model version [default: newest].")]
    = None,
    limit: Annotated[int, typer.Option(help="Riskiest customers to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Score every customer in service with a saved model into marts.churn_scores."""
    from cxbridge.jobs.flow import new_run_id
    from cxbridge.models.churn.card import load_model
    from cxbridge.models.churn.world import MODEL_NAME
    from cxbridge.models.churn.world import score as score_customers
    from cxbridge.platform import warehouse
    from cxbridge.platform.settings import load_settings

    with _world_errors():
        settings = load_settings()
        model, card = load_model(settings.models_dir, version, name=MODEL_NAME)
        with warehouse.connect(settings) as con:
            scored = score_customers(con, model, card, new_run_id())
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
