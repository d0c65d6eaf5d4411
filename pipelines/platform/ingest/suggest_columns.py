"""A suggested column mapping for a CRM or care-ticket export whose header no mapping knows:
each warehouse column matched to a file column by name, the codes of coded columns mapped to
ours, and a constant to check for each required one the file does not seem to have
(``cxbridge sources check FILE --as customers`` / ``--as tickets``)."""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from datetime import date, datetime

from cxbridge.platform.ingest.mapping_files import COLUMNS
from cxbridge.platform.ingest.mapping_types import NUMBER_FORMATS
from cxbridge.platform.ingest.mappings import split_header
from cxbridge.platform.ingest.suggest import DATE_FORMATS, STAMP_FORMATS, format_of

# warehouse column → words that name it in CRM exports (lower case, without separators)
_CUSTOMER_NAMES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customerid", "custid", "accountid", "accountnumber", "subscriberid",
                    "clientid", "customernumber", "custno", "customerno", "accountno", "acctno",
                    "clientno", "subscriberno", "custnumber", "customerref", "accountref", "id"),
    "name": ("name", "fullname", "customername"),
    "email": ("email", "emailaddress", "mail"),
    "phone": ("phone", "phonenumber", "msisdn", "mobile", "telephone"),
    "segment": ("segment", "customertype", "customersegment", "type"),
    "region": ("region", "state", "county", "province", "area"),
    "city": ("city", "town"),
    "contract_type": ("contract", "contracttype", "plan", "term"),
    "payment_method": ("paymentmethod", "payment", "paymenttype"),
    "customer_since": ("customersince", "startdate", "activationdate", "since", "joined",
                       "tenure", "tenuremonths", "start", "contractstart", "signupdate",
                       "connectiondate", "activated", "joindate"),
    "monthly_charges_eur": ("monthlycharges", "monthlycharge", "monthlyfee", "arpu", "mrc",
                            "monthly", "monthlyamount", "monthlyprice", "monthlyrental"),
    "status": ("status", "accountstatus", "churn", "churned"),
}
_TICKET_NAMES: dict[str, tuple[str, ...]] = {
    "ticket_id": ("ticketid", "ticket", "ticketnumber", "caseid", "casenumber", "incidentid",
                  "complaintid", "caseno", "ticketno", "complaintno", "incidentno",
                  "reference", "ref", "id", "number"),
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
# a constant to check for each column every row needs that the file does not seem to have
# (``status`` too: the mapping may leave it out, but a customer without one is quarantined)
_CONSTANTS = {"customers": {"segment": "consumer", "region": "unknown",
                            "contract_type": "month-to-month", "customer_since": None,
                            "status": "active"},
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
    _by_values(kind, lines, separator, columns, chosen)
    name = re.sub(r"[^0-9a-z]+", "_", file_name.lower().rsplit(".", 1)[0]).strip("_")
    out = [f"# Suggested column mapping for {file_name}, guessed from its header.",
           "# Check every line (codes with `values`, dates with `format`), then save it as",
           f"# <mappings folder>/{kind}/{name}.yaml and run `cxbridge sources check` again.",
           f"name: {name}", f"separator: {separator!r}".replace("'", '"'), "columns:"]
    for target in known:
        column = chosen.get(target)
        if column is None:
            if target in required or target in constants:
                constant = constants.get(target) or "2020-01-01"
                out.append(f'  {target}: {{value: "{constant}"}}   # CHECK: no column found')
            continue
        if target in _IDS[kind] and _key(column) not in names[target]:
            out.append(f'  {target}: "{column}"   # CHECK: no column is named like an id; '
                       "this one's values differ in every sample row")
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
            number = _number_format(values)
            if number is not None:
                out.append(f'  {target}: {{column: "{column}", format: "{number}"}}   # CHECK: '
                           f"read as {NUMBER_FORMATS[number]} ({values[0]})")
                continue
            fmt = format_of(values, STAMP_FORMATS if target != "customer_since"
                             else DATE_FORMATS)
            if fmt is not None and not fmt.startswith("%Y-%m-%d"):
                out.append(f'  {target}: {{column: "{column}", format: "{fmt}"}}')
                continue
            several = _several_formats(values, STAMP_FORMATS if target != "customer_since"
                                       else DATE_FORMATS) if fmt is None else None
            if several:
                listed = ", ".join(f'"{f}"' for f in several)
                out.append(f'  {target}: {{column: "{column}", format: [{listed}]}}   # CHECK: '
                           "no one format reads every value; each is read by the first of "
                           "these that reads it")
                continue
            if fmt is None and values:
                out.append(f'  {target}: "{column}"   # CHECK: no format reads "{values[0]}": '
                           "add format: …")
                continue
        out.append(f'  {target}: "{column}"')
    return "\n".join(out) + "\n"


_TIMES = ("customer_since", "created_at", "resolved_at")
# the identifying column of each kind: never a constant (every row would be the same one)
_IDS = {"customers": ("customer_id",), "tickets": ("ticket_id",)}


def _by_values(kind: str, lines: Sequence[str], separator: str, columns: Sequence[str],
               chosen: dict[str, str]) -> None:
    """What the names did not find, looked for in the values: the id as the first free column
    whose values differ in every sample row (and are no dates or amounts), a date of record
    or a creation time as the first free column of dates."""
    rows = [row for row in csv.reader(lines[1:], delimiter=separator)
            if len(row) == len(columns)]
    if not rows:
        return
    free = [i for i, c in enumerate(columns) if c not in chosen.values()]

    def values(index: int) -> list[str]:
        return [row[index].strip() for row in rows]

    for target in _IDS[kind]:
        if target in chosen:
            continue
        for i in free:
            seen = values(i)
            if (all(seen) and len(set(seen)) == len(seen) and any(ch.isdigit() for ch in seen[0])
                    and format_of(seen, (*DATE_FORMATS, *STAMP_FORMATS)) is None
                    and not all(_is_amount(v) for v in seen)):
                chosen[target] = columns[i]
                free.remove(i)
                break
    when = "customer_since" if kind == "customers" else "created_at"
    if when not in chosen:
        formats = DATE_FORMATS if kind == "customers" else (*STAMP_FORMATS, *DATE_FORMATS)
        for i in free:
            seen = [v for v in values(i) if v]
            if seen and format_of(seen, formats) is not None:
                chosen[when] = columns[i]
                break


def _is_amount(value: str) -> bool:
    """A number with a fractional part (a charge, not an id)."""
    try:
        float(value)
    except ValueError:
        return False
    return "." in value or "," in value


def _several_formats(values: Sequence[str], formats: Sequence[str]) -> list[str] | None:
    """The few formats (at most 3) that together read every value, the one reading most of
    them first (so that 13/04/2021 beside 01/02/2020 makes both day first), for an export
    whose rows were written by several systems; ``None`` when no such few do."""
    left = [v for v in values if v]
    chosen: list[str] = []
    while left and len(chosen) < 3:
        reads = {f: [v for v in left if _reads_one(v, f)] for f in (*formats, "excel")}
        best = max(reads, key=lambda f: len(reads[f]))
        if not reads[best]:
            return None
        chosen.append(best)
        left = [v for v in left if v not in reads[best]]
    return chosen if not left and len(chosen) > 1 else None


def _reads_one(value: str, fmt: str) -> bool:
    if fmt in NUMBER_FORMATS:
        return _number_format([value]) == fmt
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return True


def _number_format(values: Sequence[str]) -> str | None:
    """``excel``, ``epoch`` or ``epoch_ms`` when every value is a time written as that kind
    of number (spreadsheet day numbers of the years 1955-2064, Unix seconds or milliseconds of
    2001-2033); ``None`` otherwise."""
    numbers = []
    for value in values:
        try:
            numbers.append(float(value))
        except ValueError:
            return None
    if not numbers:
        return None
    if all(20_000 <= n < 60_000 for n in numbers):
        return "excel"
    if all(1e9 <= n < 2e9 and n == int(n) for n in numbers):
        return "epoch"
    if all(1e12 <= n < 2e12 and n == int(n) for n in numbers):
        return "epoch_ms"
    return None


# the warehouse's own codes (pipelines/platform/ingest/sources/customers.py)
_OURS = {"segment": ("consumer", "smb", "enterprise"),
         "contract_type": ("month-to-month", "one_year", "two_year"),
         "payment_method": ("direct_debit", "credit_card", "bank_transfer", "invoice"),
         "status": ("active", "terminated", "suspended")}
