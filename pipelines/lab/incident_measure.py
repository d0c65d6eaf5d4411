"""End-to-end measurement of the incident models on a generated world:

    .venv/bin/python -m cxbridge.lab.incident_measure --home /tmp/incidents-home \
        --scale 0.05 --seed 7

generates the world under ``HOME/raw`` (unless ``--no-generate`` and it is there already), runs
the pipeline (``cxbridge run``), builds the incident tables, evaluates them against
``HOME/raw/_truth`` and times a batch of new alarm events → refreshed queue (the batch is
removed again afterwards). Prints one JSON object: the build summary, the evaluation, the
refresh timing.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

from cxbridge.jobs import flow
from cxbridge.lab.alarm_freshness import measure_new_alarm_batch
from cxbridge.lab.incident_evaluation import evaluate_impact
from cxbridge.models.incidents.build import build
from cxbridge.platform import warehouse
from cxbridge.platform.settings import load_settings


def measure(home: Path, scale: float, seed: int, days: int, generate: bool) -> dict:
    settings = load_settings({"CXBRIDGE_HOME": str(home), "CXBRIDGE_CONFIG": ""})
    if generate or not (settings.raw_dir / "_truth").is_dir():
        from cxbridge.lab.generate import WorldConfig, generate_world

        generate_world(WorldConfig(scale=scale, days=days, seed=seed), out_dir=settings.raw_dir)
    world = json.loads((settings.raw_dir / "manifest.json").read_text(encoding="utf-8"))
    report: dict = {"home": str(home), **{k: world.get(k) for k in ("scale", "seed", "days")}}
    started = time.perf_counter()
    flow.run(settings)
    report["pipeline_seconds"] = round(time.perf_counter() - started, 1)
    with warehouse.connect(settings) as con:
        report["build"] = asdict(build(con))
        report["evaluation"] = evaluate_impact(con, settings.raw_dir / "_truth")
        report["refresh"] = measure_new_alarm_batch(con, keep=False)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--no-generate", action="store_true",
                        help="reuse the world already under HOME/raw")
    args = parser.parse_args()
    report = measure(args.home, args.scale, args.seed, args.days, not args.no_generate)
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
