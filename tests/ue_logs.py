"""Small UE logs in the Irish 4G/5G data set's layout (G-NetTrack Pro exports), written inline,
and the measured models built from them the way ``cxbridge.platform.transform`` runs them."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cxbridge.models.graph import model_graph
from cxbridge.platform import ingest, warehouse

HEADER = ("Timestamp,Longitude,Latitude,Speed,Operatorname,CellID,NetworkMode,RSRP,RSRQ,SNR,CQI,"
          "RSSI,DL_bitrate,UL_bitrate,State,PINGAVG,PINGMIN,PINGMAX,PINGSTDEV,PINGLOSS,CELLHEX,"
          "NODEHEX,LACHEX,RAWCELLID,NRxRSRP,NRxRSRQ")

# A download while driving: 5G on cell 101 (good radio, 40 Mbit/s), a second with RSRP -200
# (no reading), a handover to 4G cell 202 (poor radio, 2 Mbit/s), one stalled second, one
# idle second; no pings at all ('-').
DRIVE_ROWS = (
    "2019.11.25_15.34.34,-8.49,51.89,30,B,3,5G,-78,-9,21.0,14,-61,40000,900,D,-,-,-,-,-,3,"
    "76C6C,9CBA,101,-,-",
    "2019.11.25_15.34.35,-8.49,51.89,31,B,3,5G,-200,-10,20.0,13,-61,40000,800,D,-,-,-,-,-,3,"
    "76C6C,9CBA,101,-,-",
    "2019.11.25_15.34.36,-8.49,51.89,32,B,4,LTE,-110,-18,-2.0,5,-90,2000,100,D,-,-,-,-,-,4,"
    "76C6D,9CBA,202,-200,-",
    "2019.11.25_15.34.37,-8.49,51.89,33,B,4,LTE,-112,-19,-3.0,4,-91,0,0,D,-,-,-,-,-,4,"
    "76C6D,9CBA,202,-,-",
    "2019.11.25_15.34.38,-8.49,51.89,34,B,4,LTE,-111,-,-,-,-91,0,0,I,-,-,-,-,-,4,"
    "76C6D,9CBA,202,-,-",
)
# A static download with pings on 5G cell 101: 60 Mbit/s, 60 ms, no loss (five ping rounds).
STATIC_ROWS = tuple(
    f"2019.11.26_10.00.0{i},-8.49,51.89,0,B,3,5G,-75,-8,22.0,15,-60,60000,1000,D,60,50,70,4,0,3,"
    "76C6C,9CBA,101,-,-" for i in range(5))


def write_log(folder: Path, relative: str, rows: tuple[str, ...]) -> Path:
    """A UE log at ``folder/relative`` with the data set's header and ``rows``."""
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join((HEADER, *rows)) + "\n", encoding="utf-8")
    return path


def ingest_logs(con: duckdb.DuckDBPyConnection, paths) -> list:
    """Ingest UE logs (files or folders) with the ue-measurements source only."""
    ingest.prepare(con)
    source = ingest.source("ue-measurements")
    return ingest.ingest_many(con, [(source, p) for p in ingest.files_of(source, paths)], "test")


def build_measured(con: duckdb.DuckDBPyConnection) -> None:
    """Build the measured models in the run order, as the transform runner does (a whole
    model with a Python step: its SELECT, then the step, written as the table)."""
    graph = model_graph()
    for model in graph.models:
        if not model.table.startswith("measured."):
            continue
        if model.python is None:
            warehouse.execute_sql_file(con, model.sql)
            continue
        frame = graph.apply(model, warehouse.query(con, warehouse.read_sql(model.sql)))
        con.register("_measured_rows", frame)
        try:
            con.execute(f"create or replace table {model.table} as select * from _measured_rows")
        finally:
            con.unregister("_measured_rows")
