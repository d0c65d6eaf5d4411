"""``cxbridge churn …``: evaluate the churn model on any customer table.

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

churn_app = typer.Typer(help="Churn model: evaluate it on any customer table.",
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
    from models.churn.evaluation import cross_validate
    from models.churn.tabular import ChurnDataError

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

    from models.churn.tabular import ChurnDataError

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
