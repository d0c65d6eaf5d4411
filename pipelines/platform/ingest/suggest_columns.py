"""A suggested column mapping for a CRM or care-ticket export whose header no mapping knows:
each warehouse column matched to a file column by name, the codes of coded columns mapped to
ours, and a constant to check for each required one the file does not seem to have
(``cxbridge sources check FILE --as customers`` / ``--as tickets``)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import date

from cxbridge.platform.ingest.mapping_files import COLUMNS
from cxbridge.platform.ingest.mappings import split_header
from cxbridge.platform.ingest.suggest import DATE_FORMATS, STAMP_FORMATS, format_of

# warehouse column → words that name it in CRM exports (lower case, without separators)
_CUSTOMER_NAMES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customerid", "custid", "accountid", "accountnumber", "subscriberid",
                    "clientid", "customernumber", "id"),
    "name": ("name", "fullname", "customername"),
    "email": ("email", "emailaddress", "mail"),
    "phone": ("phone", "phonenumber", "msisdn", "mobile", "telephone"),
    "segment": ("segment", "customertype", "customersegment", "type"),
    "region": ("region", "state", "county", "province", "area"),
    "city": ("city", "town"),
    "contract_type": ("contract", "contracttype", "plan", "term"),
    "payment_method": ("paymentmethod", "payment", "paymenttype"),
    "customer_since": ("customersince", "startdate", "activationdate", "since", "joined",
                       "tenure", "tenuremonths"),
    "monthly_charges_eur": ("monthlycharges", "monthlycharge", "monthlyfee", "arpu", "mrc"),
    "status": ("status", "accountstatus", "churn", "churned"),
}
_TICKET_NAMES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticketid", "ticket", "ticketnumber", "caseid", "casenumber", "incidentid",
                  "complaintid", "id", "number"),
    "customer_id": ("customerid", "accountid", "accountnumber", "subscriberid", "customer",
                    "account"),
    "service_id": ("serviceid", "productid", "lineid"),
    "created_at": ("createdat", "created", "createddate", "opened", "openedat", "opendate",
                   "reportedat", "datetime", "date", "timestamp", "submitted"),
    "resolved_at": ("resolvedat", "resolved", "resolveddate", "closedat", "closeddate",
                    "closed"),
    "status": ("status", "state", "ticketstatus"),
    "channel": ("channel", "source", "receivedvia", "via", "origin"),
    "category": ("category", "type", "issuetype", "topic", "reason"),
    "severity": ("severity", "priority", "urgency"),
    "description": ("description", "customercomplaint", "complaint", "summary", "subject",
                    "title", "text", "comment", "details"),
    "location": ("location", "city", "address", "area", "region", "state"),
}
_NAMES = {"customers": _CUSTOMER_NAMES, "tickets": _TICKET_NAMES}
_CONSTANTS = {"customers": {"segment": "consumer", "region": "unknown",
                            "contract_type": "month-to-month", "customer_since": None},
              "tickets": {"status": "acknowledged"}}
# TMF621 statuses (pipelines/platform/ingest/sources/tickets.py)
_TICKET_CODES: dict[str, tuple[tuple[str, str], ...]] = {
    "status": (("progress", "inProgress"), ("work", "inProgress"), ("pending", "pending"),
               ("wait", "pending"), ("hold", "held"), ("solved", "resolved"),
               ("resolved", "resolved"), ("fixed", "resolved"), ("closed", "closed"),
               ("cancel", "cancelled"), ("reject", "rejected"), ("open", "acknowledged"),
               ("new", "acknowledged"), ("ack", "acknowledged"), ("assigned", "inProgress")),
}
# for coded columns: a word in the file's value → the warehouse's code (first match wins)
_CODES: dict[str, tuple[tuple[str, str], ...]] = {
    "segment": (("enterprise", "enterprise"), ("corporate", "enterprise"), ("large", "enterprise"),
                ("business", "smb"), ("smb", "smb"), ("small", "smb"), ("sme", "smb"),
                ("consumer", "consumer"), ("residential", "consumer"),
                ("private", "consumer"), ("retail", "consumer")),
    "contract_type": (("month", "month-to-month"), ("two", "two_year"), ("24", "two_year"),
                      ("2 year", "two_year"), ("one", "one_year"), ("12", "one_year"),
                      ("1 year", "one_year"), ("annual", "one_year"), ("prepaid", "month-to-month"),
                      ("none", "month-to-month")),
    "payment_method": (("credit", "credit_card"), ("card", "credit_card"),
                       ("bank", "bank_transfer"), ("transfer", "bank_transfer"),
                       ("debit", "direct_debit"), ("electronic", "direct_debit"),
                       ("check", "invoice"), ("cheque", "invoice"), ("mail", "invoice"),
                       ("invoice", "invoice"), ("cash", "invoice")),
    "status": (("yes", "terminated"), ("true", "terminated"), ("churn", "terminated"),
               ("terminat", "terminated"), ("cancel", "terminated"), ("closed", "terminated"),
               ("suspend", "suspended"), ("no", "active"), ("false", "active"),
               ("active", "active"), ("open", "active")),
}


def _key(column: str) -> str:
    return re.sub(r"[^0-9a-z]", "", column.lower())


def _values(lines: Sequence[str], separator: str, column: int) -> list[str]:
    """The distinct values of one column in the sample, in order of appearance (at most 20)."""
    seen: dict[str, None] = {}
    for row in csv.reader(lines[1:], delimiter=separator):
        if len(row) > column and row[column].strip():
            seen.setdefault(row[column].strip(), None)
        if len(seen) > 20:
            break
    return list(seen)


def _code_map(words: tuple[tuple[str, str], ...], values: list[str]) -> dict[str, str]:
    """Each file value of a coded column → the warehouse code it most likely means."""
    codes = {}
    for value in values:
        text = value.lower()
        code = next((ours for word, ours in words if word in text), None)
        if code is not None and code != value:
            codes[value] = code
    return codes


def suggest_customer_mapping(file_name: str, lines: Sequence[str]) -> str:
    """The YAML text of a suggested CRM column mapping for a file beginning with ``lines``."""
    return _suggest("customers", file_name, lines)


def suggest_ticket_mapping(file_name: str, lines: Sequence[str]) -> str:
    """The YAML text of a suggested care-ticket column mapping."""
    return _suggest("tickets", file_name, lines)


def _suggest(kind: str, file_name: str, lines: Sequence[str]) -> str:
    known, required = COLUMNS[kind]
    names, constants = _NAMES[kind], _CONSTANTS[kind]
    lines = [line for line in lines if line.strip()]
    header = lines[0] if lines else ""
    columns, separator = split_header(header, None)
    by_key = {_key(c): c for c in columns}
    chosen: dict[str, str] = {}
    for target in known:
        for word in names.get(target, ()):
            if word in by_key and by_key[word] not in chosen.values():
                chosen[target] = by_key[word]
                break
    name = re.sub(r"[^0-9a-z]+", "_", file_name.lower().rsplit(".", 1)[0]).strip("_")
    out = [f"# Suggested column mapping for {file_name}, guessed from its header.",
           "# Check every line (codes with `values`, dates with `format`), then save it as",
           f"# <mappings folder>/{kind}/{name}.yaml and run `cxbridge sources check` again.",
           f"name: {name}", f"separator: {separator!r}".replace("'", '"'), "columns:"]
    for target in known:
        column = chosen.get(target)
        if column is None:
            if target in required:
                constant = constants.get(target) or "2020-01-01"
                out.append(f'  {target}: {{value: "{constant}"}}   # CHECK: no column found')
            continue
        if target == "customer_since" and "tenure" in _key(column):
            out.append(f'  {target}: {{column: "{column}", months_before: '
                       f'"{date.today().isoformat()}"}}   # CHECK: the day the tenure counts to')
            continue
        codes_of = _TICKET_CODES if kind == "tickets" else _CODES
        if target in codes_of:
            values = _values(lines, separator, columns.index(column))
            codes = _code_map(codes_of[target], values)
            pairs = ", ".join(f'"{k}": "{v}"' for k, v in codes.items())
            unmapped = [v for v in values if v not in codes]
            out.append(f'  {target}: {{column: "{column}", values: {{{pairs}}}}}'
                       + (f"   # CHECK: also seen {', '.join(unmapped[:5])}" if unmapped
                          and any(v.lower() not in _OURS.get(target, ()) for v in unmapped)
                          else ""))
            continue
        if target in _TIMES:
            values = _values(lines, separator, columns.index(column))
            fmt = format_of(values, STAMP_FORMATS if target != "customer_since"
                             else DATE_FORMATS)
            if fmt is not None and not fmt.startswith("%Y-%m-%d"):
                out.append(f'  {target}: {{column: "{column}", format: "{fmt}"}}')
                continue
            if fmt is None and values:
                out.append(f'  {target}: "{column}"   # CHECK: no format reads "{values[0]}": '
                           "add format: …")
                continue
        out.append(f'  {target}: "{column}"')
    return "\n".join(out) + "\n"


_TIMES = ("customer_since", "created_at", "resolved_at")


# the warehouse's own codes (pipelines/platform/ingest/sources/customers.py)
_OURS = {"segment": ("consumer", "smb", "enterprise"),
         "contract_type": ("month-to-month", "one_year", "two_year"),
         "payment_method": ("direct_debit", "credit_card", "bank_transfer", "invoice"),
         "status": ("active", "terminated", "suspended")}
