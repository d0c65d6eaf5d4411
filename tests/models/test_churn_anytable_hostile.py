"""``cxbridge churn train / score / evaluate --data`` on tables as customers export them: other
separators and encodings, decimal commas, spreadsheet leftovers, loosely written labels,
numeric and zero-padded ids, leaked outcomes, scoring files that drift from the training one,
tiny tables. Each either works (and the output is checked, not only the exit status) or is one
line saying what to change, exit status 1 like every user error, never a traceback."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from cxbridge.app.cli import app
from cxbridge.models.churn.selection import prepare_table
from cxbridge.models.churn.tabular import (
    ChurnDataError,
    encode_target,
    infer_feature_spec,
    leak_warnings,
    prepare,
)
from cxbridge.platform.table_files import TableFileError, read_table


def cli(home: Path, *args):
    return CliRunner().invoke(app, ["churn", *map(str, args)], terminal_width=200,
                              env={"CXBRIDGE_HOME": str(home)})


def one_line_error(result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1, result.output


def customers(n: int, seed: int, start: int = 0) -> pl.DataFrame:
    """Text as a CSV holds it: zero-padded ids, a contract, a yes/no flag, charges, tenure."""
    rng = np.random.default_rng(seed)
    contract = rng.choice(["Month-to-month", "One year", "Two year"], n, p=[0.5, 0.3, 0.2])
    partner = rng.choice(["Yes", "No"], n)
    charges = rng.uniform(20, 110, n).round(2)
    tenure = rng.integers(0, 72, n)
    logit = -1.6 + 1.8 * (contract == "Month-to-month") + 0.02 * (charges - 65) - 0.03 * tenure
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pl.DataFrame({
        "customerID": [f"{i:07d}" for i in range(start, start + n)],
        "Contract": contract, "Partner": partner,
        "MonthlyCharges": [f"{c:.2f}" for c in charges],
        "tenure": [str(t) for t in tenure],
        "Churn": np.where(churned, "Yes", "No"),
    })


def csv_text(frame: pl.DataFrame, separator: str = ",") -> str:
    return frame.write_csv(separator=separator)


@pytest.fixture(scope="module")
def base() -> pl.DataFrame:
    return customers(300, seed=11)


@pytest.fixture(scope="module")
def trained(tmp_path_factory, base):
    """One model, trained from the command line on a plain CSV (no nested CV, no bootstraps)."""
    folder = tmp_path_factory.mktemp("hostile")
    data = folder / "train.csv"
    base.write_csv(data)
    result = cli(folder / "home", "train", "--data", data, "--label", "Churn", "--positive",
                 "Yes", "--id", "customerID", "--no-validate", "--stability", "0", "--name",
                 "plain", "--json")
    assert result.exit_code == 0, result.output
    new = customers(80, seed=12, start=5000).drop("Churn")
    reference = folder / "new.csv"
    new.write_csv(reference)
    out = folder / "reference.csv"
    scored = cli(folder / "home", "score", "--model", "plain", "--data", reference, "--out", out)
    assert scored.exit_code == 0, scored.output
    return folder, json.loads(result.stdout), new, pl.read_csv(out, infer_schema=False)


# --- reading: separators, encodings, spreadsheet leftovers ---------------------------------


def _variants(frame: pl.DataFrame) -> dict[str, bytes]:
    plain = csv_text(frame)
    accented = csv_text(frame.with_columns(pl.col("Contract").str.replace("Two year",
                                                                          "Deux années")))
    lines = plain.rstrip("\n").split("\n")
    return {
        "semicolon": csv_text(frame, ";").encode(),
        "tab": csv_text(frame, "\t").encode(),
        "pipe": csv_text(frame, "|").encode(),
        "bom": b"\xef\xbb\xbf" + plain.encode(),
        "crlf": plain.replace("\n", "\r\n").encode(),
        "latin1": accented.encode("latin-1"),
        "cp1252": accented.encode("cp1252"),
        "utf16_tab": csv_text(frame, "\t").encode("utf-16"),
        "trailing_empty_column": "\n".join(line + "," for line in lines).encode() + b"\n",
        "blank_and_separator_rows": (plain + "\n\n" + "," * (frame.width - 1) + "\n\n").encode(),
        "blank_lines_above_header": ("\n\n" + plain).encode(),
        "gzip": gzip.compress(plain.encode()),
        "quoted_padded_headers": ('"' + '","'.join(f" {c} " for c in frame.columns) + '"\n'
                                  + plain.split("\n", 1)[1]).encode(),
    }


VARIANTS = ["semicolon", "tab", "pipe", "bom", "crlf", "latin1", "cp1252", "utf16_tab",
            "trailing_empty_column", "blank_and_separator_rows", "blank_lines_above_header",
            "gzip", "quoted_padded_headers"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_export_of_the_same_table_reads_as_the_same_table(tmp_path, base, variant):
    frame = base.head(40)
    path = tmp_path / f"{variant}.csv"
    path.write_bytes(_variants(frame)[variant])
    read = read_table(path)
    expected = frame
    if variant in ("latin1", "cp1252"):
        expected = frame.with_columns(pl.col("Contract").str.replace("Two year", "Deux années"))
        assert "Deux années" in read["Contract"].to_list()
    assert read.columns == expected.columns
    assert read.equals(expected), (read.head(3), expected.head(3))


def test_an_unnamed_column_with_values_is_named_by_its_position(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(",churn,x\n0,yes,1\n1,no,2\n")
    assert read_table(path).columns == ["column_1", "churn", "x"]


@pytest.mark.parametrize(("content", "name", "message"), [
    (b"a,b,a\n1,2,3\n", "t.csv", "column names repeat: 'a' (columns 1, 3)"),
    (b"PK\x03\x04rest-of-a-zip", "book.xlsx", "is a spreadsheet workbook, which is not read: "
                                              "save the sheet as CSV"),
    (b"PK\x03\x04rest-of-a-zip", "export.csv", "is a zip archive (or a workbook)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old-excel", "old.csv", "is a spreadsheet workbook"),
    (b"a,b\n1,2\n3,4,5\n", "t.csv", "line 3 has 3 fields but the header has 2"),
    (b"Customer export\na,b\n1,2\n", "t.csv", "if it is a title, delete the lines above"),
    (b"a,b\n,\n\n", "t.csv", "has no data rows"),
])
def test_unreadable_files_are_one_clear_line(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TableFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_table(path)


def test_rows_ending_in_an_extra_empty_field_are_read(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("a;b\n1;2;\n3;4;\n")
    assert read_table(path).to_dict(as_series=False) == {"a": ["1", "3"], "b": ["2", "4"]}


def test_a_workbook_given_to_train_is_one_line(tmp_path):
    path = tmp_path / "customers.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("[Content_Types].xml", "<Types/>")
    result = cli(tmp_path / "home", "train", "--data", path, "--label", "Churn")
    one_line_error(result, "save the sheet as CSV (CSV UTF-8) or Parquet")


# --- numbers and flags as people write them ------------------------------------------------


@pytest.mark.parametrize(("values", "numbers"), [
    (["29,85", "1.234,50", "1 234,5", "7"], [29.85, 1234.5, 1234.5, 7.0]),
    (["1,234.50", "$29.85", "12 %", "1 234.5"], [1234.5, 29.85, 12.0, 1234.5]),
    (["29.85", " ", "1e3", "n/a"], [29.85, None, 1000.0, None]),
    (["29.85", "#N/A", "12", "#DIV/0!"], [29.85, None, 12.0, None]),     # spreadsheet errors
])
def test_numbers_with_decimal_commas_thousands_and_signs_are_numbers(values, numbers):
    frame = pl.DataFrame({"charges": values * 6, "churn": ["yes", "no"] * 12})
    spec = infer_feature_spec(frame, label="churn")
    assert spec.feature("charges").kind == "numeric"
    assert prepare(frame.head(4), spec)["charges"].to_list() == numbers


def test_a_numeric_column_that_writes_unknown_for_no_value_stays_numeric():
    # cell2cell's HandsetPrice: prices, and "Unknown" where the price is not known
    frame = pl.DataFrame({"price": ["30", "Unknown", "150", "80", "unknown ", "10"] * 5,
                          "plan": ["A", "B", "1", "A", "B", "A"] * 5, "churn": ["yes", "no"] * 15})
    spec = infer_feature_spec(frame, label="churn")
    assert (spec.feature("price").kind, spec.feature("price").placeholder) == ("numeric",
                                                                             "unknown")
    assert spec.feature("plan").kind == "categorical"  # one number among its levels: a level
    assert prepare(frame.head(3), spec)["price"].to_list() == [30.0, None, 150.0]
    scored = prepare(pl.DataFrame({"price": ["UNKNOWN", "12"], "plan": ["A", "B"]}), spec,
                     strict=True)
    assert scored["price"].to_list() == [None, 12.0]
    with pytest.raises(ChurnDataError, match="'price'"):  # another word is still unreadable
        prepare(pl.DataFrame({"price": ["n/k", "12"], "plan": ["A", "B"]}), spec, strict=True)
    # two different words, or words on most rows, are a category
    mixed = frame.with_columns(price=pl.Series(["30", "Unknown", "150", "none", "80", "10"] * 5))
    assert infer_feature_spec(mixed, label="churn").feature("price").kind == "categorical"


def test_phone_numbers_and_free_text_are_not_numbers_or_categories():
    n = 40
    frame = pl.DataFrame({"phone": [f"+353 87 {100 + i} {4000 + i}" for i in range(n)],
                          "dashed": [f"{380 + i % 9}-{4600 + i}" for i in range(n)],
                          "note": [f"called about the bill, ticket {i}" for i in range(n)],
                          "empty": pl.Series([None] * n, dtype=pl.String),
                          "x": [str(i % 5) for i in range(n)], "churn": ["yes", "no"] * 20})
    spec = infer_feature_spec(frame, label="churn")
    assert spec.names == ["x"]
    assert all(spec.excluded[c].startswith("identifier-like") for c in ("phone", "dashed", "note"))
    assert spec.excluded["empty"] == "always blank"


def test_a_yes_no_column_in_mixed_case_is_one_flag_and_scores_from_any_spelling():
    frame = pl.DataFrame({"partner": ["Yes", "yes", "No", "NO ", "no", "Yes"] * 4,
                          "churn": ["yes", "no"] * 12})
    spec = infer_feature_spec(frame, label="churn")
    assert spec.feature("partner").kind == "binary"
    assert spec.feature("partner").levels == ("no", "Yes")
    later = pl.DataFrame({"partner": ["1", "0", "TRUE", "false", "Y", None]})
    assert prepare(later, spec, strict=True)["partner"].to_list() == [1, 0, 1, 0, 1, None]
    with pytest.raises(ChurnDataError, match=r"'partner' has 1 value\(s\) that do not read as "
                                             r"no/Yes .* \(first: 'maybe' on data row 2\)"):
        prepare(pl.DataFrame({"partner": ["yes", "maybe"]}), spec, strict=True)


def test_whole_number_columns_that_never_repeat_are_ids_but_wide_quantities_are_not():
    n = 200
    rng = np.random.default_rng(0)
    frame = pl.DataFrame({
        "row": list(range(1, n + 1)),                                      # a row number
        "account": [str(a) for a in rng.choice(np.arange(15_600_000, 15_603_000), n,
                                               replace=False)],            # account numbers
        "balance_cents": [str(b) for b in rng.choice(10**9, n, replace=False)],
        "calls": [str(c) for c in rng.poisson(3, n)],
        "churn": ["yes", "no"] * (n // 2)})
    spec = prepare_table(frame, "churn", positive="yes").spec
    assert spec.names == ["balance_cents", "calls"]
    assert spec.excluded["row"].startswith("identifier-like: whole numbers")
    assert spec.excluded["account"].startswith("identifier-like: whole numbers")


# --- labels as tables write them -----------------------------------------------------------


@pytest.mark.parametrize(("values", "positive", "wanted", "rate"), [
    (["True.", "False.", "False.", "False."], None, "True.", 0.25),        # churn-bigml
    (["True.", "False.", "False.", "False."], "true", "True.", 0.25),
    (["1.0", "0.0", "0.0", "0.0"], "1", "1", 0.25),
    (["Yes", " yes", "NO", "no "], None, "Yes", 0.5),
    (["Yes", "yes", "No", "no"], "YES", "Yes", 0.5),
    (["N", "Y", "N", "N"], None, "Y", 0.25),
])
def test_labels_are_read_loosely_but_exactly(values, positive, wanted, rate):
    frame = pl.DataFrame({"Churn": values * 5})
    y, target = encode_target(frame, "Churn", positive)
    assert target.binary and target.positive == wanted
    assert y.mean() == rate


def test_a_positive_value_that_does_not_occur_lists_the_values(tmp_path, base):
    data = tmp_path / "t.csv"
    base.write_csv(data)
    result = cli(tmp_path / "home", "train", "--data", data, "--label", "churn", "--positive",
                 "Churned", "--no-validate", "--stability", "0")
    one_line_error(result, "positive value 'Churned' does not occur in label column 'Churn'; "
                           "its values are: No, Yes")


def test_a_third_label_value_is_counted_as_not_churned_and_said(base):
    frame = base.with_columns(pl.when(pl.int_range(pl.len()) % 10 == 0).then(pl.lit("Pending"))
                              .otherwise(pl.col("Churn")).alias("Churn"))
    prepared = prepare_table(frame, "Churn", positive="Yes", id_column="customerID")
    assert prepared.target.classes == ("not Yes", "Yes")
    assert prepared.y.sum() == (frame["Churn"] == "Yes").sum()
    assert any("has 3 values: every row that is not 'Yes' counts as not churned" in w
               and "'Pending' (30 rows)" in w for w in prepared.warnings)


def test_a_label_column_of_many_values_is_questioned(tmp_path, base):
    data = tmp_path / "t.csv"
    base.write_csv(data)
    result = cli(tmp_path / "home", "train", "--data", data, "--label", "MonthlyCharges",
                 "--no-validate", "--stability", "0")
    one_line_error(result, "label 'MonthlyCharges' has 297 different values")
    assert "is it the outcome column?" in result.output


# --- leaks ----------------------------------------------------------------------------------


def test_a_column_that_is_the_label_in_disguise_is_named_in_the_warnings(base):
    fee = np.random.default_rng(2).uniform(10, 50, base.height).round(2)
    frame = base.with_columns(
        pl.col("Churn").alias("churn_copy"),
        pl.when(pl.col("Churn") == "Yes").then(pl.lit("Closed")).otherwise(pl.lit("Active"))
        .alias("status"),
        pl.when(pl.col("Churn") == "Yes").then(pl.Series(fee.astype(str))).otherwise(None)
        .alias("fee_paid"))     # a cancellation fee: only leavers have one
    prepared = prepare_table(frame, "Churn", positive="Yes", id_column="customerID")
    flagged = {w.split("'")[1] for w in prepared.warnings if "alone tells" in w}
    assert flagged == {"churn_copy", "status", "fee_paid"}   # not Contract, charges, tenure
    assert all("--exclude" in w for w in prepared.warnings)
    clean = prepare_table(base, "Churn", positive="Yes", id_column="customerID")
    assert clean.warnings == []


def test_a_leak_in_a_several_class_label_is_named():
    rng = np.random.default_rng(1)
    severity = rng.integers(0, 3, 300)
    frame = pl.DataFrame({"severity": severity, "copy": severity * 10.0,
                          "noise": rng.normal(size=300)})
    y, target = encode_target(frame, "severity")
    spec = infer_feature_spec(frame, label="severity")
    warnings = leak_warnings(prepare(frame, spec), y, spec, len(target.classes))
    assert len(warnings) == 1 and "'copy'" in warnings[0]


def test_train_warns_in_the_card_and_exclude_takes_the_leak_out(tmp_path, base):
    data = tmp_path / "t.csv"
    base.with_columns(pl.col("Churn").alias("churn_copy")).write_csv(data)
    args = ("train", "--data", data, "--label", "Churn", "--positive", "Yes", "--id",
            "customerID", "--no-validate", "--stability", "0", "--json")
    leaky = cli(tmp_path / "home", *args)
    assert leaky.exit_code == 0, leaky.output
    card = json.loads(leaky.stdout)
    warnings = card["data_window"]["warnings"]
    assert any("'churn_copy' alone tells the outcome apart" in w for w in warnings)
    assert any("nearly perfect" in w for w in warnings)
    assert "Warning:" in leaky.output          # on the terminal too (stderr)
    fixed = cli(tmp_path / "home", *args, "--exclude", "churn_copy")
    assert fixed.exit_code == 0, fixed.output
    card = json.loads(fixed.stdout)
    assert "warnings" not in card["data_window"]
    assert card["excluded_columns"]["churn_copy"] == "excluded by caller"
    wrong = cli(tmp_path / "home", *args, "--exclude", "no_such_column")
    one_line_error(wrong, "--exclude names column(s) not in the table: no_such_column")


# --- the same table, another way: identical models and scores ------------------------------


def test_a_semicolon_decimal_comma_latin1_crlf_export_trains_the_same_model(tmp_path, base,
                                                                            trained):
    folder, card, new, reference = trained
    frame = base.with_columns(pl.col("MonthlyCharges").str.replace(".", ",", literal=True))
    text = "\r\n".join(line + ";" for line in csv_text(frame, ";").rstrip("\n").split("\n"))
    data = tmp_path / "export.csv"
    data.write_bytes(text.encode("latin-1") + b"\r\n;;;;;;\r\n\r\n")
    result = cli(folder / "home", "train", "--data", data, "--label", " churn ", "--positive",
                 "yes", "--id", "CustomerID", "--no-validate", "--stability", "0", "--json")
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["training_rows"] == card["training_rows"] == 300
    assert again["selection"]["candidates"] == card["selection"]["candidates"]
    assert again["features"] == card["features"]
    # and scores a decimal-comma file exactly as the plain model scores the plain one
    scoring = tmp_path / "new.csv"
    new.with_columns(pl.col("MonthlyCharges").str.replace(".", ",", literal=True)).write_csv(
        scoring, separator=";")
    out = tmp_path / "scores.csv"
    scored = cli(folder / "home", "score", "--model", again["path"], "--data", scoring,
                 "--out", out)
    assert scored.exit_code == 0, scored.output
    assert pl.read_csv(out, infer_schema=False).equals(reference)


def test_parquet_with_real_types_trains_and_scores_like_the_csv(tmp_path, base, trained):
    folder, card, new, reference = trained
    typed = base.with_columns(pl.col("MonthlyCharges").cast(pl.Float64),
                              pl.col("tenure").cast(pl.Int64),
                              (pl.col("Partner") == "Yes").alias("Partner"),
                              (pl.col("Churn") == "Yes").alias("Churn"))
    data = tmp_path / "train.parquet"
    typed.write_parquet(data)
    result = cli(folder / "home", "train", "--data", data, "--label", "Churn", "--positive",
                 "True", "--id", "customerID", "--no-validate", "--stability", "0", "--json")
    assert result.exit_code == 0, result.output
    again = json.loads(result.stdout)
    assert again["target"]["positive"] == "true" and again["positive_rate"] == card[
        "positive_rate"]
    scoring = tmp_path / "new.parquet"
    new.with_columns(pl.col("MonthlyCharges").cast(pl.Float64)).write_parquet(scoring)
    out = tmp_path / "scores.parquet"
    scored = cli(folder / "home", "score", "--model", "plain", "--data", scoring, "--out", out)
    assert scored.exit_code == 0, scored.output
    scores = pl.read_parquet(out)
    assert scores["customerID"].to_list() == reference["customerID"].to_list()
    assert np.allclose(scores["probability"].to_numpy(),
                       reference["probability"].cast(pl.Float64).to_numpy())


@pytest.mark.parametrize("change", ["reordered", "extra", "header_case", "label_kept",
                                    "flags_as_1_0", "flags_upper", "trailing_blank_lines"])
def test_scoring_files_that_drift_from_the_training_file_score_the_same(tmp_path, trained,
                                                                        change):
    folder, _, new, reference = trained
    frame = {
        "reordered": new.select(list(reversed(new.columns))),
        "extra": new.with_columns(pl.lit("x").alias("campaign")),
        "header_case": new.rename({"customerID": "CustomerID", "MonthlyCharges":
                                   "monthly_charges"}),
        "label_kept": new.with_columns(pl.lit("?").alias("Churn")),
        "flags_as_1_0": new.with_columns((pl.col("Partner") == "Yes").cast(pl.Int8)
                                         .cast(pl.String)),
        "flags_upper": new.with_columns(pl.col("Partner").str.to_uppercase()),
        "trailing_blank_lines": new,
    }[change]
    data, out = tmp_path / "new.csv", tmp_path / "scores.csv"
    data.write_text(csv_text(frame) + ("\n\n\n" if change == "trailing_blank_lines" else ""))
    result = cli(folder / "home", "score", "--model", "plain", "--data", data, "--out", out)
    assert result.exit_code == 0, result.output
    scores = pl.read_csv(out, infer_schema=False)
    if change == "header_case":       # the ids come back under the file's own header
        scores = scores.rename({"CustomerID": "customerID"})
    assert scores.equals(reference)
    assert scores["customerID"].to_list()[:2] == ["0005000", "0005001"]   # zeros kept


def test_scoring_names_what_is_missing_unreadable_or_new(tmp_path, trained):
    folder, _, new, reference = trained
    data = tmp_path / "new.csv"
    new.drop("Contract").write_csv(data)
    one_line_error(cli(folder / "home", "score", "--model", "plain", "--data", data),
                   "column(s) the model needs are missing: Contract")
    new.with_columns(pl.when(pl.int_range(pl.len()) == 6).then(pl.lit("12 months"))
                     .otherwise(pl.col("tenure")).alias("tenure")).write_csv(data)
    one_line_error(cli(folder / "home", "score", "--model", "plain", "--data", data),
                   "column 'tenure' has 1 value(s) that do not read as numbers, as in training "
                   "(first: '12 months' on data row 7)")
    new.drop("customerID").write_csv(data)
    one_line_error(cli(folder / "home", "score", "--model", "plain", "--data", data),
                   "id column 'customerID' is not in the table")
    novel = new.with_columns(pl.when(pl.int_range(pl.len()) < 4).then(pl.lit("Three year"))
                             .otherwise(pl.col("Contract")).alias("Contract"))
    novel.write_csv(data)
    out = tmp_path / "scores.csv"
    result = cli(folder / "home", "score", "--model", "plain", "--data", data, "--out", out,
                 "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows"] == 80 and any("'Contract': 4 row(s)" in n and "'Three year'" in n
                                         for n in summary["notes"])
    scores = pl.read_csv(out, infer_schema=False)
    assert scores["customerID"].equals(reference["customerID"])
    assert scores.slice(4).equals(reference.slice(4))    # the other rows are untouched
    for column in ("reason_1", "reason_2", "reason_3"):
        assert not scores[column].head(4).drop_nulls().str.contains("Three year").any()


# --- tables too small, too wide ------------------------------------------------------------


def test_a_tiny_table_is_refused_with_what_to_do(tmp_path, base):
    small = pl.concat([base.filter(pl.col("Churn") == "Yes").head(3),
                       base.filter(pl.col("Churn") == "No").head(27)])
    data = tmp_path / "small.csv"
    small.write_csv(data)
    args = ("--data", data, "--label", "Churn", "--positive", "Yes", "--id", "customerID")
    one_line_error(cli(tmp_path / "home", "train", *args, "--no-validate", "--stability", "0"),
                   "label 'Churn' has too few rows of an outcome ('Yes': 3); 3-fold model "
                   "selection needs at least 6 of each")
    one_line_error(cli(tmp_path / "home", "train", *args),
                   "only 30 rows; 5-fold cross-validation needs at least 50 (lift by decile "
                   "needs 10 rows per fold); train without the nested figures with --no-validate")
    pl.concat([base.filter(pl.col("Churn") == "Yes").head(20),
               base.filter(pl.col("Churn") == "No").head(100)]).write_csv(data)
    one_line_error(cli(tmp_path / "home", "evaluate", *args),
                   "('Yes': 20); 5-fold cross-validation with 3-fold selection inside needs at "
                   "least 30 of each: --folds 2 needs 12")


def test_a_table_with_more_columns_than_rows_trains_and_scores(tmp_path):
    rng = np.random.default_rng(5)
    n = 40
    frame = pl.DataFrame({"id": [f"A{i}" for i in range(n)],
                          **{f"m{j}": rng.normal(size=n).round(3) for j in range(45)},
                          "churn": ["yes"] * 12 + ["no"] * 28})
    data, out = tmp_path / "wide.csv", tmp_path / "scores.csv"
    frame.write_csv(data)
    trained = cli(tmp_path / "home", "train", "--data", data, "--label", "churn", "--positive",
                  "yes", "--id", "id", "--no-validate", "--stability", "0", "--json")
    assert trained.exit_code == 0, trained.output
    assert len(json.loads(trained.stdout)["features"]) == 45
    scored = cli(tmp_path / "home", "score", "--model", json.loads(trained.stdout)["path"],
                 "--data", data, "--out", out)
    assert scored.exit_code == 0, scored.output
    assert pl.read_csv(out)["id"].to_list() == frame["id"].to_list()


# --- side tables ----------------------------------------------------------------------------


def test_side_table_keys_join_across_types_and_a_side_table_of_other_keys_is_refused(tmp_path):
    from cxbridge.models.churn.selection import learn_sides

    main = pl.DataFrame({"id": [str(i) for i in range(1, 41)], "x": [str(i % 7) for i in
                                                                      range(40)],
                         "churn": ["yes", "no"] * 20})
    side = pl.DataFrame({"ID": [float(i) for i in range(1, 41)] * 2,
                         "kind": ["a"] * 40 + ["b"] * 40})
    side_path = tmp_path / "events.parquet"
    side.write_parquet(side_path)
    from cxbridge.app.churn_cli import read_sides

    sides = read_sides([f"id={side_path}"], main.columns)   # ID resolved to the main's id
    prepared = prepare_table(main, "churn", positive="yes", sides=sides)
    assert prepared.frame["events__rows"].to_list() == [2] * 40
    assert prepared.frame["events__kind=a"].to_list() == [1] * 40
    other = {"events": ("id", pl.DataFrame({"id": ["x1", "x2"], "kind": ["a", "b"]}))}
    with pytest.raises(ChurnDataError, match="shares no 'id' value with the main table"):
        learn_sides(main, other)


# --- the real tables, exported the hostile way ---------------------------------------------


@pytest.mark.real_data
def test_ibm_telco_exported_by_a_european_spreadsheet_reads_as_the_original(real_data,
                                                                             tmp_path):
    source = real_data / "telco_ibm" / "Telco-Customer-Churn.csv"
    frame = read_table(source)
    hostile = frame.with_columns(
        *[pl.col(c).str.replace(".", ",", literal=True) for c in ("MonthlyCharges",
                                                                   "TotalCharges")],
        pl.col("Churn").str.to_uppercase())
    text = "\r\n".join(line + ";" for line in csv_text(hostile, ";").rstrip("\n").split("\n"))
    path = tmp_path / "telco.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode() + b"\r\n;;;\r\n")
    plain = prepare_table(frame, "Churn", positive="Yes", id_column="customerID")
    again = prepare_table(read_table(path), "Churn", positive="yes", id_column="customerID")
    assert again.matrix.equals(plain.matrix) and (again.y == plain.y).all()
    assert plain.warnings == [] and again.spec.feature("TotalCharges").kind == "numeric"


@pytest.mark.real_data
def test_telstra_side_tables_as_semicolon_files_give_the_same_features(real_data, tmp_path):
    from cxbridge.app.churn_cli import read_sides

    folder = real_data / "telstra_network_disruptions"
    main = read_table(folder / "train.csv").head(800)
    events = read_table(folder / "event_type.csv")
    hostile = tmp_path / "event_type.csv"
    hostile.write_text(csv_text(events, ";").replace("\n", "\r\n"))
    plain = prepare_table(main, "fault_severity", id_column="id",
                          sides=read_sides([f"id={folder / 'event_type.csv'}"], main.columns))
    again = prepare_table(main, "fault_severity", id_column="id",
                          sides=read_sides([f"ID={hostile}"], main.columns))
    assert again.matrix.equals(plain.matrix)
    assert plain.warnings == [] and not plain.target.binary
