"""The bench's two ingest floors read the same files; the read-and-store floor leaves nothing."""

from __future__ import annotations

from pathlib import Path

from cxbridge.lab import bench


def _raw(home: Path) -> None:
    (home / "raw" / "customers").mkdir(parents=True)
    (home / "raw" / "customers" / "customers.csv").write_text(
        "customer_id,name,segment\n" + "".join(f"C{i},Name {i},consumer\n" for i in range(40)),
        encoding="utf-8")
    (home / "raw" / "tickets").mkdir()
    for day in (1, 2):
        (home / "raw" / "tickets" / f"tickets_2026100{day}.csv").write_text(
            "ticket_id,customer_id,opened_at\n" + "".join(
                f"T{day}-{i},C{i},2026-10-0{day}T10:00:00Z\n" for i in range(25)),
            encoding="utf-8")


def test_both_floors_count_every_row_and_the_store_floor_removes_its_database(tmp_path):
    _raw(tmp_path)
    assert bench._ingest_floor(str(tmp_path)) == 40 + 2 * 25
    assert bench._ingest_store_floor(str(tmp_path)) == 40 + 2 * 25
    left = [p.name for p in (tmp_path / "warehouse").iterdir()]
    assert not [name for name in left if name.startswith("store-floor")]
