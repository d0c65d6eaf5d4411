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

Every download is also a recorded action (:mod:`cxbridge.platform.action_log`): each customer
of the list, treated or control, under the campaign code or the incident id, exactly once
however often the list is downloaded (a later download records only customers new to it, and a
customer keeps the arm of their first recording, which the file then follows). The campaign
file keeps its control group in, flagged (``control_group``), as before: a campaign tool
filters on the flag. The care list leaves its control group out (a share of the incident's
customers, ``[outcomes] care_control_rate``, drawn per incident and customer by the campaign's
CRC-32 draw, :func:`cxbridge.dashboards.campaign.control_flags`): a care list is worked by
hand, row by row, and a flag column is easily missed, while a held-out customer who is called
anyway is no control; they are recorded, and the audit entry counts them. When the store
cannot record a list, the download is refused with the reason (status 503): a list sent
without its record is a campaign nobody can measure or account for.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
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
from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.roles import sees_contacts
from cxbridge.platform import audit
from cxbridge.platform.action_log import ActionLog, ActionLogError, Recorded
from cxbridge.platform.csv_export import write_csv
from cxbridge.platform.snapshot import snapshot_names

CAMPAIGN_PATH = "/export/campaign.csv"
CARE_PATH = "/export/care/{incident_id}.csv"
# what a care list's download reads (incident_detail.sql, care_list.sql): a snapshot lacking
# another incident table (one an earlier cxbridge published) still gives its lists
CARE_EXPORT_TABLES = snapshot_names("incidents.queue", "incidents.incidents",
                                    "incidents.incident_impact", "incidents.care_list")
CHUNK_ROWS = 20_000
CARE_PROGRAMME = "care:incident follow-up"
CARE_OFFER = "proactive care contact"
CARE_CHANNEL = "phone"
ACTIONS_EXTENSION = "cxbridge.action_log"  # server.extensions: (ActionLog, care control rate)


def care_control_note(rate: float) -> str:
    """What the care page says of the care list's control group."""
    if rate <= 0:
        return "No control group is held out of care lists ([outcomes] care_control_rate = 0)"
    return (f"A random {100 * rate:g} % of the affected customers is held out as the control "
            "group: recorded, and left out of the file, so nobody calls them")


# what campaign_actions reads of a campaign's customers
ACTION_COLUMNS = ("customer_id", "offer", "risk_band", campaign.CHANNEL)


def campaign_actions(listed: pl.DataFrame) -> pl.DataFrame:
    """The recorded actions of a campaign file's customers (:data:`ACTION_COLUMNS` of them,
    one row per row of the file): the programme ``campaign:<offer>``, the offer, the channel
    (:func:`cxbridge.dashboards.campaign.campaign_channel`), the reason (the risk band); no
    cost (the builder does not know what an offer costs). No arm: the download adds the
    campaign's draw (:func:`campaign_arms`)."""
    known = pl.col("offer").is_in(list(campaign.OFFERS))
    return listed.select(
        pl.col("customer_id").cast(pl.String),
        programme=pl.col("offer").replace_strict(
            {offer: f"campaign:{offer}" for offer in campaign.OFFERS},
            default="campaign:unknown", return_dtype=pl.String),
        offer=pl.when(known).then(pl.col("offer")),
        channel=campaign.CHANNEL,
        reason=pl.when(pl.col("risk_band").is_in(list(campaign.RISK_LABELS))).then(
            pl.col("risk_band")),
        cost_eur=pl.lit(None, pl.Float64))


def campaign_arms(listed: pl.DataFrame, code: str, rate: float) -> pl.Expr:
    """Each listed customer's arm by the campaign's control draw
    (:func:`cxbridge.dashboards.campaign.control_flags` from the ids' CRC-32 the customer view
    keeps, ``listed[campaign.ID_CRC]``: a few milliseconds for 430,000 customers, where
    drawing one id at a time took 70 ms of the first byte). A customer recorded for the
    campaign before keeps the recorded arm (:meth:`ActionLog.record`)."""
    control = campaign.control_flags(listed["customer_id"], code, rate,
                                     crcs=listed[campaign.ID_CRC])
    return pl.when(control).then(pl.lit("control")).otherwise(pl.lit("treated")).alias("arm")


def care_actions(customer_ids: pl.Series, incident_id: str) -> pl.DataFrame:
    """The recorded actions of an incident's care list, but their arm: every customer,
    treated by a proactive care call unless :func:`care_draw` holds them out."""
    return pl.DataFrame({"customer_id": customer_ids.cast(pl.String)}).with_columns(
        programme=pl.lit(CARE_PROGRAMME), offer=pl.lit(CARE_OFFER),
        channel=pl.lit(CARE_CHANNEL), reason=pl.lit(incident_id),
        cost_eur=pl.lit(None, pl.Float64))


def care_draw(incident_id: str, rate: float) -> Callable[[pl.Series], pl.Series]:
    """The care list's control group: the campaign's draw
    (:func:`cxbridge.dashboards.campaign.control_flags`) keyed by the incident id, at ``rate``;
    made only for the customers new to the list (the others keep their recorded arm)."""
    return lambda customer_ids: campaign.control_flags(customer_ids, incident_id, rate)


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


def register_exports(server: flask.Flask, audit_file: Path, action_log: ActionLog,
                     care_control_rate: float) -> None:
    """Add the download routes to the app's server; downloads are recorded in ``audit_file``
    and their customers in ``action_log``; ``care_control_rate``: the share of an incident's
    customers held out of its care list (``[outcomes] care_control_rate``)."""
    server.extensions[ACTIONS_EXTENSION] = (action_log, care_control_rate)

    def record_list(kind: str, key: str, listed: pl.DataFrame, role: str, snapshot: str,
                    rate: float, draw: Callable[[pl.Series], pl.Series] | None = None
                    ) -> Recorded:
        log, _ = outcomes_setup()
        return log.record(kind, key, listed, user=logged_in_user() or f"{role} (no login)",
                          role=role, via="dashboard", snapshot=snapshot, control_rate=rate,
                          draw=draw)

    def recorded(rows: int, export: str, role: str, contacts: bool, **about: object) -> None:
        audit.record(audit_file, "export", user=logged_in_user(), role=role,
                     client=flask.request.remote_addr, export=export, rows=rows,
                     contacts=contacts, via="dashboard", **about)

    @server.get(CAMPAIGN_PATH)
    def campaign_csv() -> flask.Response:
        reader = current_reader()
        query = flask.request.query_string.decode()
        filters = reader.filter_options().from_query(query)
        choice = choice_from_query(query)
        role = current_role(flask.request.args.get("role"))
        with_contacts = sees_contacts(role, "campaign_export")
        view = reader.customer_view(filters)
        counts, order = campaign.export_order(view, choice)
        code = campaign.campaign_code(choice, filters.end)
        info = reader.snapshot_info()
        try:
            listed = campaign.gathered(view, order, (*ACTION_COLUMNS, campaign.ID_CRC))
            stored = record_list("campaign", code, campaign_actions(listed).with_columns(
                campaign_arms(listed, code, choice.control_rate)), role, info.run_id,
                choice.control_rate)
        except ActionLogError as error:
            return _refused(error)
        # a customer recorded before keeps that arm: the file says what the record says
        control = stored.arms["arm"] == "control"
        recorded(order.height, "campaign", role, with_contacts, query=query, campaign_code=code,
                 recorded_new_treated=stored.new_treated,
                 recorded_new_control=stored.new_control,
                 control_rows=int(control.sum()),
                 held_back=int(counts["held_back"]),
                 suppressed={reason: int(counts[reason]) for reason in SUPPRESSIONS},
                 phones_not_e164=int(counts["phone_unusable"]),
                 snapshot=info.run_id)
        context = ExportContext(run_id=info.run_id, built_at=info.built_at,
                                exported_at=datetime.now(UTC), period_end=filters.end)
        details = reader.campaign_contact_details() if with_contacts else None

        def parts() -> Iterator[pl.DataFrame]:
            # the first piece alone, so its bytes leave at once; then the rest in one (each
            # part looks up its customers among the million contact details and words its
            # segments and services: a part per piece would repeat that two dozen times)
            for start, length in ((0, CHUNK_ROWS), (CHUNK_ROWS, None)):
                part = order.slice(start, length)
                if start and part.is_empty():
                    return
                out = campaign.export_frame(campaign.gathered(view, part), details, choice,
                                            context, draw=False)
                yield out.with_columns(control_group=control.slice(start, length))

        return _csv(parts(), f"campaign-{code}-{filters.start}-{filters.end}.csv")

    @server.get(CARE_PATH.format(incident_id="<incident_id>"))
    def care_csv(incident_id: str) -> flask.Response:
        reader = current_reader()
        if reader.missing(*CARE_EXPORT_TABLES) or reader.incident(incident_id) is None:
            flask.abort(404, f"no incident {incident_id} in this snapshot")
        role = current_role(flask.request.args.get("role"))
        with_contacts = sees_contacts(role, "care_list_export")
        care = reader.care_list(incident_id, with_contacts=with_contacts)
        _, rate = outcomes_setup()
        try:
            stored = record_list("care", incident_id,
                                 care_actions(care["customer_id"], incident_id), role,
                                 reader.snapshot_info().run_id, rate,
                                 draw=care_draw(incident_id, rate))
        except ActionLogError as error:
            return _refused(error)
        control = stored.arms["arm"] == "control"
        sent = care.filter(~control)  # the control group is recorded, not called
        recorded(sent.height, "care_list", role, with_contacts, incident_id=incident_id,
                 control_held_out=int(control.sum()), control_rate=rate,
                 recorded_new_treated=stored.new_treated,
                 recorded_new_control=stored.new_control)
        return _csv([sent], f"care-{incident_id}.csv")


def outcomes_setup() -> tuple[ActionLog, float]:
    """The recorded-actions store and the care lists' control rate of the app serving the
    request, as :func:`register_exports` was given them."""
    return flask.current_app.extensions[ACTIONS_EXTENSION]


def _refused(error: ActionLogError) -> flask.Response:
    """The answer to a download whose list could not be recorded: nothing is sent."""
    return flask.Response(f"This list was not exported: {error}\n", status=503,
                          mimetype="text/plain", headers={"Cache-Control": "no-store"})


def _csv(parts: Iterable[pl.DataFrame], filename: str) -> flask.Response:
    """The parts (frames of the same columns, at least one) as one CSV download, each sent in
    pieces of :data:`CHUNK_ROWS` rows as they are written (the first bytes leave at once; the
    whole file is never one string), formulas neutralised, timestamps with their UTC offset
    (:func:`cxbridge.dashboards.clock.with_utc_offsets`); a part is made only when the one
    before it is sent."""

    def pieces() -> Iterator[bytes]:
        header = True
        for frame in parts:
            for start in range(0, max(frame.height, 1 if header else 0), CHUNK_ROWS):
                buffer = io.BytesIO()
                write_csv(with_utc_offsets(frame.slice(start, CHUNK_ROWS)), buffer,
                          include_header=header)
                header = False
                yield buffer.getvalue()

    return flask.Response(pieces(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store"})
