"""The service model and the marts built on it, as SQL models (``sql/core``, ``sql/marts``): who
has which Customer-Facing Service, which resources carry it, and the daily marts every reader
shares. The model graph (:mod:`cxbridge.models.graph`) runs them; each file's header declares
its table, kind, grain and inputs."""

from pathlib import Path

SQL = Path(__file__).resolve().parent / "sql"
