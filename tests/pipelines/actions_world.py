"""A world with past actions for the outcome tests: generated with ``actions=True`` and only the
customer feeds (the actions and churn do not need the network's own feeds, so it builds in
seconds), with settings for a home of its own beside it."""

from __future__ import annotations

from pathlib import Path

from cxbridge.lab.generate import WorldConfig, generate_world
from cxbridge.lab.generate.delivery import Delivery
from cxbridge.platform.settings import Settings, load_settings

FEEDS = Delivery(feeds=("customers", "services", "catalog", "tickets"))


def actions_world(root: Path, world: WorldConfig) -> tuple[Settings, Path]:
    """Generate ``world`` (with its actions) under ``root/raw``; the settings of ``root/home``
    (an empty cxbridge.toml) and the raw folder. Nothing is run."""
    raw = root / "raw"
    generate_world(world, raw, delivery=FEEDS)
    (root / "cxbridge.toml").write_text("", encoding="utf-8")
    settings = load_settings({"CXBRIDGE_HOME": str(root / "home"),
                              "CXBRIDGE_CONFIG": str(root / "cxbridge.toml")})
    return settings, raw
