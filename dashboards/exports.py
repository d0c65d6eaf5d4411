"""CSV downloads as plain HTTP routes: the campaign list and an incident's proactive-care list.

A list of a hundred thousand customers is a file, not a callback answer: the browser follows
an ordinary link (the pages keep its ``href`` in step with the filters), the server streams
the CSV, and the login in front of every request protects it too. The role decides the
columns (:mod:`cxbridge.dashboards.roles`): a ``role`` in the query is only heeded where the role
may be chosen at all (no login, no fixed role). Text cells that a spreadsheet would run as a
formula are neutralised (:mod:`cxbridge.platform.csv_export`), and every download is recorded
in the audit log (:mod:`cxbridge.platform.audit`: who, role, which export, how many rows, with
or without contact details, from which address).

* ``/export/campaign.csv?from=…&to=…&region=…&segment=…&service=…&offers=…&bands=…&code=…``
  ``&control=…``
  (the campaign builder's state, :func:`cxbridge.dashboards.campaign.choice_from_query`):
  only customers with marketing consent and consent for a channel they can be reached on;
  the audit entry counts those suppressed, per reason.
* ``/export/care/<incident_id>.csv``
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import flask
import polars as pl

from cxbridge.dashboards import campaign
from cxbridge.dashboards.auth import logged_in_user
from cxbridge.dashboards.campaign import (
    SUPPRESSIONS,
    CampaignChoice,
    ExportContext,
    choice_from_query,
    choice_to_pairs,
)
from cxbridge.dashboards.clock import with_utc_offsets
from cxbridge.dashboards.context import current_reader, current_role
from cxbridge.dashboards.data_access import INCIDENT_TABLES
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.roles import sees_contacts
from cxbridge.platform import audit
from cxbridge.platform.csv_export import write_csv

CAMPAIGN_PATH = "/export/campaign.csv"
CARE_PATH = "/export/care/{incident_id}.csv"
CHUNK_ROWS = 20_000


def campaign_href(filters: Filters, choice: CampaignChoice, role: str | None) -> str:
    """The link that downloads this campaign."""
    pairs = choice_to_pairs(choice, always=True)
    if role:
        pairs.append(("role", role))
    query = filters.to_query()
    return f"{CAMPAIGN_PATH}{query or '?'}{'&' if query else ''}{urlencode(pairs, safe=',')}"


def care_href(incident_id: str, role: str | None) -> str:
    """The link that downloads an incident's proactive-care list."""
    return CARE_PATH.format(incident_id=incident_id) + (f"?{urlencode({'role': role})}"
                                                        if role else "")


def register_exports(server: flask.Flask, audit_file: Path) -> None:
    """Add the download routes to the app's server; downloads are recorded in ``audit_file``."""

    def recorded(frame: pl.DataFrame, export: str, role: str, contacts: bool,
                 **about: object) -> pl.DataFrame:
        audit.record(audit_file, "export", user=logged_in_user(), role=role,
                     client=flask.request.remote_addr, export=export, rows=frame.height,
                     contacts=contacts, via="dashboard", **about)
        return frame

    @server.get(CAMPAIGN_PATH)
    def campaign_csv() -> flask.Response:
        reader = current_reader()
        args = flask.request.args
        query = flask.request.query_string.decode()
        filters = reader.filter_options().from_query(query)
        choice = choice_from_query(query)
        role = current_role(args.get("role"))
        with_contacts = sees_contacts(role, "campaign_export")
        selected = campaign.campaign(reader.customer_outlook(filters), choice)
        info = reader.snapshot_info()
        context = ExportContext(run_id=info.run_id, built_at=info.built_at,
                                exported_at=datetime.now(UTC), period_end=filters.end)
        out = campaign.export_frame(selected, reader.campaign_contact_details() if with_contacts
                                    else None, choice, context)
        counts = campaign.campaign_counts(selected)
        code = campaign.campaign_code(choice, filters.end)
        recorded(out, "campaign", role, with_contacts, query=query, campaign_code=code,
                 control_rows=int(out["control_group"].sum()),
                 held_back=int(counts["held_back"]),
                 suppressed={reason: int(counts[reason]) for reason in SUPPRESSIONS},
                 phones_not_e164=int(counts["phone_unusable"]),
                 snapshot=info.run_id)
        return _csv(out, f"campaign-{code}-{filters.start}-{filters.end}.csv")

    @server.get(CARE_PATH.format(incident_id="<incident_id>"))
    def care_csv(incident_id: str) -> flask.Response:
        reader = current_reader()
        if reader.missing(*INCIDENT_TABLES) or reader.incident(incident_id) is None:
            flask.abort(404, f"no incident {incident_id} in this snapshot")
        role = current_role(flask.request.args.get("role"))
        with_contacts = sees_contacts(role, "care_list_export")
        care = reader.care_list(incident_id, with_contacts=with_contacts)
        recorded(care, "care_list", role, with_contacts, incident_id=incident_id)
        return _csv(care, f"care-{incident_id}.csv")


def _csv(frame: pl.DataFrame, filename: str) -> flask.Response:
    """The frame as a CSV download, sent in pieces of :data:`CHUNK_ROWS` rows as they are
    written (the first bytes leave at once; the whole file is never one string), formulas
    neutralised, timestamps with their UTC offset
    (:func:`cxbridge.dashboards.clock.with_utc_offsets`)."""
    frame = with_utc_offsets(frame)

    def pieces() -> Iterator[bytes]:
        for start in range(0, max(frame.height, 1), CHUNK_ROWS):
            buffer = io.BytesIO()
            write_csv(frame.slice(start, CHUNK_ROWS), buffer, include_header=start == 0)
            yield buffer.getvalue()

    return flask.Response(pieces(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})
