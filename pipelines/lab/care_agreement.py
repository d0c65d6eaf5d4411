"""How well the complaint categoriser agrees with a person's labels, and how the labelled
samples were drawn.

* :func:`stratified_sample` — a proportional stratified random sample (strata: channel ×
  month), reproducible from its seed, so every stratum is represented as often as it occurs
  and the sample's accuracy is an unbiased estimate of the whole export's;
* :func:`agreement` — accuracy and Cohen's kappa over the categories, and the ``network``
  family's precision and recall (a complaint is "network" when its category's family is);
* ``python -m cxbridge.lab.care_agreement draw|measure`` — the command line: ``draw`` prints the
  ids of a new sample (the texts stay in the real file, never in the repository), ``measure``
  prints the figures for one split of ``tests/data/complaints_labels.csv``.

How the labels were made, the definitions and the figures: ``tests/data/complaints_labels.md``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from cxbridge.platform.ingest.categorise import categorise, family_of

REAL_FILE = (Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
             / "comcast_complaints" / "Comcast_telecom_complaints_data.csv")
LABELS_FILE = Path(__file__).resolve().parents[2] / "tests" / "data" / "complaints_labels.csv"


@dataclass(frozen=True)
class Agreement:
    """The categoriser against the labels on ``n`` complaints."""

    n: int
    accuracy: float
    kappa: float
    family_accuracy: float
    network_precision: float
    network_recall: float

    def lines(self) -> list[str]:
        return [f"complaints labelled          {self.n}",
                f"category accuracy            {self.accuracy:.3f}",
                f"Cohen's kappa (categories)   {self.kappa:.3f}",
                f"family accuracy              {self.family_accuracy:.3f}",
                f"network precision            {self.network_precision:.3f}",
                f"network recall               {self.network_recall:.3f}"]


def cohen_kappa(truth: Sequence[str], predicted: Sequence[str]) -> float:
    """Cohen's kappa: agreement beyond what the two marginal distributions give by chance,
    ``(p_o − p_e) / (1 − p_e)``; 1.0 when both give one and the same label throughout."""
    if len(truth) != len(predicted) or not truth:
        raise ValueError(f"{len(truth)} labels but {len(predicted)} predictions")
    labels = sorted(set(truth) | set(predicted))
    t = np.array([labels.index(x) for x in truth])
    p = np.array([labels.index(x) for x in predicted])
    observed = float(np.mean(t == p))
    expected = float(sum(np.mean(t == k) * np.mean(p == k) for k in range(len(labels))))
    return 1.0 if expected == 1.0 else (observed - expected) / (1.0 - expected)


def agreement(truth: Sequence[str], predicted: Sequence[str]) -> Agreement:
    """Accuracy, kappa, family accuracy and the network family's precision and recall of
    ``predicted`` categories against ``truth`` (both category names, in the same order)."""
    kappa = cohen_kappa(truth, predicted)
    t_family = [family_of(c) for c in truth]
    p_family = [family_of(c) for c in predicted]
    both = sum(a == "network" and b == "network" for a, b in zip(t_family, p_family, strict=True))
    said = sum(b == "network" for b in p_family)
    actual = sum(a == "network" for a in t_family)
    return Agreement(
        n=len(truth),
        accuracy=float(np.mean([a == b for a, b in zip(truth, predicted, strict=True)])),
        kappa=kappa,
        family_accuracy=float(np.mean([a == b for a, b in zip(t_family, p_family,
                                                                 strict=True)])),
        network_precision=both / said if said else float("nan"),
        network_recall=both / actual if actual else float("nan"),
    )


def read_complaints(path: Path = REAL_FILE) -> pl.DataFrame:
    """The export's ticket id, title, channel and month (``dd-mm-yy`` dates), as text."""
    frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    frame = frame.rename({frame.columns[0]: frame.columns[0].lstrip("\ufeff")})
    return frame.select(
        ticket_id=pl.col("Ticket #").str.strip_chars(),
        text=pl.col("Customer Complaint"),
        channel=pl.col("Received Via").str.strip_chars(),
        month=pl.col("Date").str.slice(3, 5),
    )


def stratified_sample(frame: pl.DataFrame, n: int, seed: int, strata: Sequence[str],
                      exclude: Sequence[str] = ()) -> pl.DataFrame:
    """``n`` rows of ``frame`` (minus the ``ticket_id`` values in ``exclude``) drawn without
    replacement, each stratum getting its proportional share (largest remainders), rows
    chosen uniformly within it by ``numpy.random.default_rng(seed)``; same input, same
    sample."""
    pool = frame.filter(~pl.col("ticket_id").is_in(list(exclude))).sort("ticket_id")
    sizes = pool.group_by(strata).len().sort(strata)
    quota = sizes["len"].to_numpy() * n / pool.height
    take = np.floor(quota).astype(int)
    order = np.argsort(-(quota - take), kind="stable")
    take[order[: n - take.sum()]] += 1
    rng = np.random.default_rng(seed)
    parts = []
    for key, k in zip(sizes.select(strata).iter_rows(), take, strict=True):
        members = pool.filter(pl.all_horizontal(pl.col(c) == v
                                                for c, v in zip(strata, key, strict=True)))
        picked = rng.choice(members.height, size=min(int(k), members.height), replace=False)
        parts.append(members[np.sort(picked)])
    return pl.concat(parts).sort("ticket_id")


def measure(labels_path: Path, complaints_path: Path, split: str) -> Agreement:
    """The categoriser's agreement with the labels of ``split`` (``test`` or ``dev``)."""
    labels = pl.read_csv(labels_path, comment_prefix="#", schema_overrides={
        "ticket_id": pl.String})
    chosen = labels.filter(pl.col("split") == split)
    if chosen.is_empty():
        raise ValueError(f"{labels_path}: no labels with split {split!r}")
    texts = read_complaints(complaints_path)
    joined = chosen.join(texts, on="ticket_id", how="left")
    lost = joined.filter(pl.col("text").is_null())["ticket_id"].to_list()
    if lost:
        raise ValueError(f"{labels_path}: ticket ids not in {complaints_path}: {lost[:5]}")
    predicted = [categorise(t).category for t in joined["text"]]
    return agreement(joined["label"].to_list(), predicted)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cxbridge.lab.care_agreement")
    commands = parser.add_subparsers(dest="command", required=True)
    draw = commands.add_parser("draw", help="print the ticket ids of a stratified sample")
    draw.add_argument("--n", type=int, required=True)
    draw.add_argument("--seed", type=int, required=True)
    draw.add_argument("--exclude", type=Path, help="a labels CSV whose ids to leave out")
    draw.add_argument("--show-text", action="store_true",
                      help="print each title beside its id, to label it (never commit this)")
    check = commands.add_parser("measure", help="agreement on one split of the labels")
    check.add_argument("--split", default="test", choices=("test", "dev"))
    for sub in (draw, check):
        sub.add_argument("--complaints", type=Path, default=REAL_FILE)
    check.add_argument("--labels", type=Path, default=LABELS_FILE)
    args = parser.parse_args(argv)
    if args.command == "measure":
        print("\n".join(measure(args.labels, args.complaints, args.split).lines()))
        return 0
    exclude = (pl.read_csv(args.exclude, comment_prefix="#", schema_overrides={
        "ticket_id": pl.String})["ticket_id"].to_list() if args.exclude else [])
    sample = stratified_sample(read_complaints(args.complaints), args.n, args.seed,
                               ("channel", "month"), exclude)
    for row in sample.iter_rows(named=True):
        print(f"{row['ticket_id']}\t{row['text']}" if args.show_text else row["ticket_id"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
