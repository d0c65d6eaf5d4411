"""An operator's own CRM export onboarded with one column mapping file: columns renamed, codes
recoded, a tenure in months turned into a start date, constants for what the export lacks, the
other columns kept as extra attributes; and the suggested mapping for an unknown header."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.jobs import flow
from cxbridge.platform import warehouse
from cxbridge.platform.ingest.mappings import MappingError, load_mappings

MAPPING = """\
columns:
  customer_id: customerID
  segment: {value: consumer}
  region: {value: unknown}
  contract_type: {column: Contract, values: {"Month-to-month": month-to-month,
                                             "One year": one_year, "Two year": two_year}}
  payment_method: {column: PaymentMethod, values: {"Credit card (automatic)": credit_card,
                                                   "Mailed check": invoice}}
  customer_since: {column: tenure, months_before: "2026-10-01"}
  monthly_charges_eur: MonthlyCharges
  status: {column: Churn, values: {"No": active, "Yes": terminated}}
"""

EXPORT = """\
customerID,gender,tenure,Contract,PaymentMethod,MonthlyCharges,Churn
7590-VHVEG,Female,1,Month-to-month,Mailed check,29.85,No
5575-GNVDE,Male,34,One year,Credit card (automatic),56.95,No
3668-QPYBK,Male,0,Two year,Mailed check,53.85,Yes
9237-HQITU,Female,two,Month-to-month,Mailed check,70.70,Yes
"""


def _raw(tmp_path: Path, mapping: str | None = MAPPING) -> Path:
    raw = tmp_path / "raw"
    (raw / "customers").mkdir(parents=True)
    (raw / "customers" / "crm_export.csv").write_text(EXPORT, encoding="utf-8")
    if mapping is not None:
        (raw / "_mappings" / "customers").mkdir(parents=True)
        (raw / "_mappings" / "customers" / "crm.yaml").write_text(mapping, encoding="utf-8")
    return raw


def test_a_crm_export_loads_through_its_column_mapping(settings, tmp_path):
    summary = flow.run(settings, _raw(tmp_path))
    (result,) = summary.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 3, 1)
    with warehouse.connect(settings) as con:
        rows = {r["customer_id"]: r for r in warehouse.query(
            con, "select * from stg.customers").to_dicts()}
        reason = warehouse.scalar(con, "select reason from meta.quarantine")
    first, second, third = rows["7590-VHVEG"], rows["5575-GNVDE"], rows["3668-QPYBK"]
    assert first["customer_since"] == date(2026, 9, 1)  # one month before 1 Oct 2026
    assert second["customer_since"] == date(2023, 12, 1)
    assert third["customer_since"] == date(2026, 10, 1)
    assert (second["contract_type"], second["payment_method"]) == ("one_year", "credit_card")
    assert (first["status"], third["status"]) == ("active", "terminated")
    assert first["segment"] == "consumer" and first["region"] == "unknown"
    assert second["monthly_charges_eur"] == pytest.approx(56.95)
    assert json.loads(first["extra_attributes"]) == {"gender": "Female"}
    assert "customer_since" in reason and "'two'" in reason  # a tenure that is no number


def test_without_a_mapping_a_foreign_crm_export_is_rejected_with_what_to_do(settings, tmp_path):
    summary = flow.run(settings, _raw(tmp_path, mapping=None))
    (result,) = summary.files
    assert result.status == "rejected"
    assert "customers/<name>.yaml" in result.message
    assert "cxbridge sources check" in result.message


@pytest.mark.parametrize(("mapping", "expected"), [
    (MAPPING.replace("  region: {value: unknown}\n", ""), r"columns.*lacks region"),
    (MAPPING + "  colour: Gender\n", r"columns\.colour.*not a column of customers"),
    (MAPPING.replace('"2026-10-01"', '"last year"'), r"months_before.*YYYY-MM-DD"),
])
def test_a_bad_column_mapping_says_what_to_fix(tmp_path, mapping, expected):
    folder = tmp_path / "mappings" / "customers"
    folder.mkdir(parents=True)
    (folder / "crm.yaml").write_text(mapping, encoding="utf-8")
    with pytest.raises(MappingError, match=expected):
        load_mappings([tmp_path / "mappings"])


def test_the_suggested_mapping_for_an_unknown_crm_header_loads_the_sample(tmp_path):
    raw = _raw(tmp_path, mapping=None)
    result = CliRunner().invoke(
        app, ["sources", "check", str(raw / "customers" / "crm_export.csv"), "--as",
              "customers"], env={"CXBRIDGE_HOME": str(tmp_path / "home"),
                                 "CXBRIDGE_CONFIG": ""}, terminal_width=200)
    assert result.exit_code == 2  # nothing loads without a mapping
    assert 'contract_type: {column: "Contract"' in result.output
    assert '"Yes": "terminated"' in result.output
    # the tenure row that is no number is the only one the suggestion cannot load
    assert "With this suggestion, 3 of 4 sample row(s) would load" in result.output


@pytest.mark.real_data
def test_the_ibm_telco_table_loads_as_a_crm_export(settings, real_data, tmp_path):
    raw = tmp_path / "raw"
    (raw / "customers").mkdir(parents=True)
    shutil.copy(real_data / "telco_ibm" / "Telco-Customer-Churn.csv", raw / "customers")
    (raw / "_mappings" / "customers").mkdir(parents=True)
    (raw / "_mappings" / "customers" / "telco.yaml").write_text(
        MAPPING.replace('"Mailed check": invoice', '"Mailed check": invoice, '
                        '"Electronic check": direct_debit, '
                        '"Bank transfer (automatic)": bank_transfer'), encoding="utf-8")
    summary = flow.run(settings, raw)
    (result,) = summary.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (7043, 7043, 0)
    with warehouse.connect(settings) as con:
        churned = warehouse.scalar(
            con, "select count(*) from stg.customers where status = 'terminated'")
    assert churned == 1869  # the table's 26.5 % with Churn = Yes


def test_the_columns_a_mapping_may_name_are_the_contracts():
    from cxbridge.platform.ingest.sources import customers, tickets

    assert tuple(tickets.TicketContract.to_schema().columns) == tickets.COLUMNS
    contract = tuple(customers.CustomerContract.to_schema().columns)
    assert contract == (*customers.KNOWN, "extra_attributes")
    assert set(customers.REQUIRED) <= set(customers.KNOWN)
