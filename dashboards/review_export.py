"""The campaign review as a CSV report, a plain HTTP route like the other downloads
(:mod:`cxbridge.dashboards.exports`): ``/export/review.csv`` with the review page's query (the
filter bar, the builder's offers, bands, code, control, and ``content``).

The report lists the verdict per region, every cell and PON port the takers would load, the
assumptions and the threshold, and every target's phase by customer id (no contact details).
Text cells a spreadsheet would run as a formula are neutralised (the CSV writer of
:mod:`cxbridge.platform.csv_export`), and each download is recorded in the audit log (who, role,
how many rows, the campaign's query, from which address), since the target list names customers.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlencode

import flask

from cxbridge.dashboards import review_reader
from cxbridge.dashboards.auth import logged_in_user
from cxbridge.dashboards.campaign import (
    CampaignChoice,
    campaign_code,
    choice_from_query,
    choice_to_pairs,
)
from cxbridge.dashboards.context import current_reader, current_role
from cxbridge.dashboards.filters import Filters
from cxbridge.models.whatif.campaign import configured_offers
from cxbridge.platform import audit
from cxbridge.platform.csv_export import write_csv

REVIEW_PATH = "/export/review.csv"


def review_href(filters: Filters, choice: CampaignChoice, content: str) -> str:
    """The link that downloads this campaign's review."""
    pairs = choice_to_pairs(choice, always=True) + [("content", content)]
    query = filters.to_query()
    return f"{REVIEW_PATH}{query or '?'}{'&' if query else ''}{urlencode(pairs, safe=',')}"


def register_review_export(server: flask.Flask, audit_file: Path,
                           whatif: Mapping[str, object] | None = None) -> None:
    """Add the review download route to the app's server, recording downloads in
    ``audit_file``; keep the ``[whatif]`` settings' offers (checked now, so a bad key stops
    the app at start with its name) for the review page."""
    server.extensions[review_reader.WHATIF_EXTENSION] = configured_offers(whatif or {})

    @server.get(REVIEW_PATH)
    def review_csv() -> flask.Response:
        reader = current_reader()
        absent = review_reader.missing(reader)
        if absent:
            flask.abort(404, f"this snapshot has no campaign tables ({', '.join(absent)}): "
                             "run `cxbridge run` to build them")
        query = flask.request.query_string.decode()
        filters = reader.filter_options().from_query(query)
        choice = choice_from_query(query)
        content = flask.request.args.get("content", "campaign")
        targets = review_reader.with_content(
            review_reader.campaign_targets(reader, filters, choice), content)
        report = review_reader.report_frame(review_reader.review(reader, targets))
        role = current_role(flask.request.args.get("role"))
        code = campaign_code(choice, filters.end)
        audit.record(audit_file, "export", user=logged_in_user(), role=role,
                     client=flask.request.remote_addr, export="campaign_review",
                     rows=report.height, contacts=False, via="dashboard", query=query,
                     campaign_code=code, targets=targets.height,
                     snapshot=reader.snapshot_info().run_id)
        buffer = io.BytesIO()
        write_csv(report, buffer)
        return flask.Response(buffer.getvalue(), mimetype="text/csv", headers={
            "Content-Disposition": f'attachment; filename="review-{code}.csv"',
            "Cache-Control": "no-store"})
