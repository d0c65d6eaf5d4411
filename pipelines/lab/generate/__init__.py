"""The synthetic operator: a seeded, scale-factor driven world written in every source format.

>>> from cxbridge.lab.generate import WorldConfig, generate_world
>>> report = generate_world(WorldConfig(scale=0.01, days=7), out_dir=path)  # doctest: +SKIP
>>> partial = Delivery(feeds=("kpis", "topology"), pm_dialects=("A", "B", "C"))
>>> report = generate_world(WorldConfig(), out_dir=path, delivery=partial)  # doctest: +SKIP

Modules, from the static world to the files:

- ``config``, ``clock``, ``geography``: parameters, seeding, time and place;
- ``delivery``: which feeds are written and in which PM dialects (the world stays the same);
- ``customers``, ``products``, ``subscriptions``, ``catalog``: who buys what, from which spec;
- ``topology``, ``network``, ``binding``, ``anchors``: the network and what each service needs;
- ``network_load``, ``faults``, ``impairments``, ``kpis``, ``dialects``: load, incidents and the
  15-minute counters in the vendor dialects (A, B, and C with ``vendor_c_mapping``, its
  mapping file);
- ``alarm_specs``, ``alarm_feed``: X.733 alarms as a TMF642 feed;
- ``impact``, ``experience``: what services and customers truly experienced;
- ``usage``, ``care``, ``ticket_text``, ``surveys``, ``churn``: how customers behave;
- ``inventory``, ``records``, ``dirt``, ``kpi_files``, ``writers``: the raw files;
- ``truth``, ``truth_days``: the ground truth; ``world``, ``daily``, ``run``: the wiring.
"""

from .config import GenerationReport, WorldConfig
from .delivery import Delivery
from .run import generate_world

__all__ = ["Delivery", "GenerationReport", "WorldConfig", "generate_world"]
