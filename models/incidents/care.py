"""Proactive care: the customers an incident hurts, to be told before they call.

Identifiers, segment, region, the affected services and minutes only; names, e-mail addresses
and phone numbers are personal data and come only when asked for explicitly
(``with_contacts=True``), for the care team that will actually contact them.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from cxbridge.models.incidents.queue import NoQueueError
from cxbridge.platform.csv_export import write_csv
from cxbridge.platform.errors import UserError
from cxbridge.platform.warehouse import query, read_sql, scalar, table_exists

SQL = Path(__file__).resolve().parent / "sql"

CONTACT_COLUMNS = ("name", "email", "phone")


class UnknownIncidentError(UserError, KeyError):
    """No incident with that id; the message says how to find one."""


def check_incident(con, incident_id: str) -> None:
    if not table_exists(con, "incidents.incidents"):
        raise NoQueueError("no incidents in this warehouse yet: run `cxbridge run` (which "
                           "builds them when alarms or PM counters are loaded)")
    if not scalar(con, "select count(*) from incidents.incidents where incident_id = $id",
                  {"id": incident_id}):
        raise UnknownIncidentError(
            f"no incident {incident_id!r}: list them with `cxbridge incidents --all`")


def care_list(con, incident_id: str, with_contacts: bool = False) -> pl.DataFrame:
    """One row per affected customer, in the order to call them (``incidents.care_list``,
    built by ``models/incidents/sql/care_list.sql``)."""
    check_incident(con, incident_id)
    frame = query(con, read_sql(SQL / "care_export.sql"),
                  {"incident_id": incident_id, "with_contacts": with_contacts})
    return frame if with_contacts else frame.drop(CONTACT_COLUMNS)


def export_care_list(con, incident_id: str, exports_dir: Path,
                     with_contacts: bool = False) -> Path:
    """Write the list as CSV under ``exports_dir/care/`` (spreadsheet formulas neutralised:
    :mod:`cxbridge.platform.csv_export`) and return its path."""
    frame = care_list(con, incident_id, with_contacts)
    out = exports_dir / "care" / f"{incident_id}{'-contacts' if with_contacts else ''}.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(frame, out)
    return out
