"""Marketing consent as contract columns of the CRM export: general opt-in and consent per
channel (true/false, yes/no, 1/0; empty is unknown), language and preferred channel; a CRM
that does not send them still loads; one that maps them from its own columns too."""

from __future__ import annotations

from pathlib import Path

from cxbridge.jobs import flow
from cxbridge.platform import warehouse

HEADER = ("customer_id,name,segment,region,contract_type,customer_since,status,"
          "marketing_opt_in,consent_email,consent_sms,consent_phone,preferred_language,"
          "preferred_channel\n")
ROWS = """\
C1,Aoife Byrne,consumer,Dublin,one_year,2021-05-01,active,true,yes,1,,en-IE,SMS
C2,Seán Kelly,consumer,Munster,one_year,2021-05-01,active,NO,no,0,false,ga,email
C3,Niamh Walsh,consumer,Ulster,one_year,2021-05-01,active,,,,,,
C4,Eoin Murphy,consumer,Dublin,one_year,2021-05-01,active,maybe,yes,yes,yes,en,email
C5,Róisín Kelly,consumer,Dublin,one_year,2021-05-01,active,true,yes,yes,yes,en,fax
"""
MAPPING = """\
columns:
  customer_id: ID
  segment: {value: consumer}
  region: Region
  contract_type: {value: one_year}
  customer_since: {value: "2020-01-01"}
  status: {value: active}
  marketing_opt_in: {column: GDPR_Marketing, values: {"Y": "true", "N": "false"}}
  consent_email: {column: Email_OK, values: {"Y": "true", "N": "false"}}
"""


def _load(settings, tmp_path: Path, text: str, mapping: str | None = None,
          name: str = "crm.csv"):
    raw = tmp_path / "raw"
    (raw / "customers").mkdir(parents=True)
    (raw / "customers" / name).write_text(text, encoding="utf-8")
    if mapping:
        (raw / "_mappings" / "customers").mkdir(parents=True)
        (raw / "_mappings" / "customers" / "crm.yaml").write_text(mapping, encoding="utf-8")
    (result,) = flow.run(settings, raw).files
    with warehouse.connect(settings) as con:
        rows = {r["customer_id"]: r for r in warehouse.query(
            con, "select * from stg.customers").to_dicts()}
        reasons = [r["reason"] for r in warehouse.query(
            con, "select reason from meta.quarantine").to_dicts()]
    return result, rows, reasons


def test_consent_columns_are_typed_and_checked(settings, tmp_path):
    result, rows, reasons = _load(settings, tmp_path, HEADER + ROWS)
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    c1, c2, c3 = rows["C1"], rows["C2"], rows["C3"]
    assert (c1["marketing_opt_in"], c1["consent_email"], c1["consent_sms"],
            c1["consent_phone"]) == (True, True, True, None)  # empty: unknown
    assert (c1["preferred_language"], c1["preferred_channel"]) == ("en-ie", "sms")
    assert (c2["marketing_opt_in"], c2["consent_phone"]) == (False, False)
    assert all(c3[c] is None for c in ("marketing_opt_in", "consent_email", "preferred_channel"))
    assert c1["extra_attributes"] is None  # known columns, not extra attributes
    text = " ".join(reasons)
    assert "marketing_opt_in" in text and "maybe" in text  # the field and the value
    assert "preferred_channel" in text


def test_a_crm_without_consent_loads_and_one_with_its_own_columns_maps_them(settings,
                                                                          tmp_path):
    plain = HEADER.split(",marketing_opt_in")[0] + "\n" + "\n".join(
        ",".join(line.split(",")[:7]) for line in ROWS.splitlines()) + "\n"
    result, rows, _ = _load(settings, tmp_path / "plain", plain)
    assert result.rows_loaded == 5 and rows["C1"]["marketing_opt_in"] is None

    export = "ID,Region,GDPR_Marketing,Email_OK\nX1,Dublin,Y,N\nX2,Munster,N,Y\n"
    result, rows, _ = _load(settings, tmp_path / "mapped", export, MAPPING, "own_crm.csv")
    assert result.rows_loaded == 2
    assert (rows["X1"]["marketing_opt_in"], rows["X1"]["consent_email"]) == (True, False)
    assert (rows["X2"]["marketing_opt_in"], rows["X2"]["consent_email"]) == (False, True)
