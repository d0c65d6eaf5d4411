"""The declared model graph: headers read, order derived, cycles and undeclared inputs refused,
built tables audited against their grain, and the README's diagram drawn from the headers."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from cxbridge.models.graph import model_graph as the_graph
from cxbridge.models.service import SQL as SQL_DIR
from cxbridge.platform import model_graph
from cxbridge.platform.model_graph import (
    Model,
    ModelGraph,
    ModelGraphError,
    audit,
    in_run_order,
    parse_header,
)

README = Path(__file__).resolve().parents[2] / "README.md"


def _header(table: str, inputs: str = "stg.kpi_15min", kind: str = "whole") -> str:
    return (f"-- model: {table}\n-- kind: {kind}\n-- grain: resource_id\n"
            f"-- not_null: resource_id\n-- inputs: {inputs}\n-- feeds: kpis|topology\n"
            f"-- {table}: one row per resource.\nselect 1\n")


def test_a_header_declares_table_kind_grain_inputs_and_feeds():
    model = parse_header(SQL_DIR / "core" / "resources.sql",
                         _header("core.resources", "stg.kpi_15min,\n--     stg.resources"))
    assert model.table == "core.resources" and model.kind == "whole"
    assert model.grain == model.not_null == ("resource_id",)
    assert model.inputs == ("stg.kpi_15min", "stg.resources")  # continued on the next line
    assert model.feeds == (("kpis", "topology"),)


def test_a_file_named_unlike_its_table_or_a_header_missing_lines_is_refused():
    with pytest.raises(ModelGraphError, match=r"must be core/access_daily\.sql"):
        parse_header(SQL_DIR / "core" / "resources.sql", _header("core.access_daily"))
    with pytest.raises(ModelGraphError, match="lacks kind, grain, inputs, feeds"):
        parse_header(SQL_DIR / "core" / "resources.sql", "-- model: core.resources\nselect 1")


def test_a_python_step_is_batched_by_days_unless_it_declares_rows():
    path = SQL_DIR / "core" / "resources.sql"
    plain = _header("core.resources")
    assert parse_header(path, plain).python_batch == "days"
    stepped = plain.replace("-- feeds:", "-- python: some.step\n-- python_batch: rows\n-- feeds:")
    assert parse_header(path, stepped).python_batch == "rows"
    for wrong in (stepped.replace("-- python: some.step\n", ""),       # rows with no step
                  stepped.replace("python_batch: rows", "python_batch: weeks")):
        with pytest.raises(ModelGraphError, match="python_batch is"):
            parse_header(path, wrong)


def test_the_order_follows_the_inputs_and_a_cycle_is_refused():
    a = Model(Path("core/a.sql"), "core.a", inputs=("core.b",))
    b = Model(Path("core/b.sql"), "core.b", inputs=("stg.x",))
    assert [m.table for m in in_run_order([a, b])] == ["core.b", "core.a"]
    with pytest.raises(ModelGraphError, match="cycle"):
        in_run_order([a, Model(Path("core/b.sql"), "core.b", inputs=("core.a",))])
    with pytest.raises(ModelGraphError, match="no model builds"):
        in_run_order([Model(Path("core/a.sql"), "core.a", inputs=("core.nowhere",))])


def test_every_model_comes_after_what_it_reads_and_declares_what_it_reads():
    models = the_graph().models
    seen: set[str] = set()
    for model in models:
        assert all(t.startswith("stg.") or t in seen for t in model.inputs), model.table
        seen.add(model.table)
    assert {"core.resources", "marts.service_experience_daily", "measured.ue_cells"} <= seen


def test_models_reading_what_a_later_stage_builds_run_after_it(tmp_path):
    """A model reading a table churn or the incident models build (the graph's stage tables),
    and every model reading it, leave the transform pass: they are built when the job
    publishes. A table no model and no stage builds is still refused."""
    folder = tmp_path / "marts"
    folder.mkdir()
    (folder / "a.sql").write_text(_header("marts.a", "marts.churn_scores")
                                  + "from marts.churn_scores", encoding="utf-8")
    (folder / "b.sql").write_text(_header("marts.b", "marts.a") + "from marts.a",
                                  encoding="utf-8")
    (folder / "c.sql").write_text(_header("marts.c") + "from stg.kpi_15min", encoding="utf-8")
    graph = ModelGraph.from_folders([tmp_path], {}, {"marts.churn_scores": "churn"})
    assert [m.table for m in graph.models] == ["marts.c"]
    assert [m.table for m in graph.after_stages] == ["marts.a", "marts.b"]
    assert [m.table for m in graph.every_model] == ["marts.c", "marts.a", "marts.b"]
    with pytest.raises(ModelGraphError, match="no model builds"):
        ModelGraph.from_folders([tmp_path], {})
    (folder / "b.sql").write_text(_header("marts.b", "marts.a", kind="partitioned")
                                  + "from marts.a", encoding="utf-8")
    with pytest.raises(ModelGraphError, match="make it a whole SQL model"):
        ModelGraph.from_folders([tmp_path], {}, {"marts.churn_scores": "churn"})


def test_the_churn_and_incident_kpi_tables_are_built_after_their_stages():
    graph = the_graph()
    assert {m.table for m in graph.after_stages} == {"marts.churn_kpi_daily",
                                                     "marts.incident_kpi_daily",
                                                     "marts.incident_protection",
                                                     "marts.protected_kpi_daily"}
    assert not {m.table for m in graph.after_stages} & {m.table for m in graph.models}
    assert all(not m.partitioned and not m.python for m in graph.after_stages)


def test_sql_reading_an_undeclared_table_is_refused(monkeypatch, tmp_path):
    folder = tmp_path / "core"
    folder.mkdir()
    (folder / "a.sql").write_text(_header("core.a") + "select * from stg.usage",
                                  encoding="utf-8")
    model = parse_header(folder / "a.sql", (folder / "a.sql").read_text())
    with pytest.raises(ModelGraphError, match=r"reads stg\.usage but does not declare it"):
        model_graph.check_inputs([model])


def test_an_audit_names_the_model_the_key_and_the_rows():
    con = duckdb.connect()
    con.execute("create schema core")
    con.execute("create table core.a as select * from (values ('R1'), ('R1'), ('R2'), (null)) "
                "t(resource_id)")
    model = Model(Path("core/a.sql"), "core.a", grain=("resource_id",), not_null=("resource_id",))
    with pytest.raises(ModelGraphError, match=r"core\.a failed: 1 value\(s\) of its grain "
                                              r"\(resource_id\) hold more than one row \(2 rows"):
        audit(con, model)
    con.execute("delete from core.a where resource_id = 'R1'")
    with pytest.raises(ModelGraphError, match="1 row\\(s\\) have no resource_id"):
        audit(con, model)
    con.execute("delete from core.a where resource_id is null")
    audit(con, model)  # unique and complete: nothing to say


def test_the_readme_draws_the_graph_the_headers_declare():
    drawn = re.search(r"```mermaid\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert drawn, "README.md has no mermaid model graph"
    assert drawn.group(1) == model_graph.mermaid(the_graph().every_model), (
        "README.md's model graph is out of date: paste "
        "`python -c 'from cxbridge.models.graph import model_graph as g; "
        "from cxbridge.platform.model_graph import mermaid; print(mermaid(g().every_model))'` "
        "into it")


def test_two_files_for_one_table_or_an_unknown_python_step_are_refused(tmp_path):
    for folder in ("one/core", "two/core"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "a.sql").write_text(_header("core.a") + "from stg.kpi_15min",
                                                 encoding="utf-8")
    with pytest.raises(ModelGraphError, match=r"more than one file builds core\.a"):
        ModelGraph.from_folders([tmp_path / "one", tmp_path / "two"], {})
    stepped = _header("core.a").replace("-- feeds:", "-- python: nowhere.step\n-- feeds:")
    (tmp_path / "one/core/a.sql").write_text(stepped + "from stg.kpi_15min", encoding="utf-8")
    with pytest.raises(ModelGraphError, match="step 'nowhere.step' is not one the graph knows"):
        ModelGraph.from_folders([tmp_path / "one"], {"experience.sei": lambda frame: frame})


def test_a_python_steps_files_are_its_module_and_the_model_modules_it_imports():
    from cxbridge.models.experience import sei

    files = {p.name for p in model_graph.step_files(sei.score)}
    # sei imports laws and emodel; the package's __init__ comes with them; platform modules
    # (errors, settings) are not the model's code
    assert {"sei.py", "laws.py", "emodel.py", "__init__.py"} <= files
    assert all("platform" not in p.parts for p in model_graph.step_files(sei.score))
    graph = the_graph()
    # a step given with its settings (functools.partial) is read through to its function
    params_step = graph.steps["incidents.impact_params"]
    assert [p.name for p in model_graph.step_files(params_step)] == ["params.py"]
    code = graph.code_files()
    assert set(code) >= {m.sql for m in graph.models} | set(model_graph.step_files(sei.score))
    assert len(code) == len(set(code))  # each file once


def test_a_change_to_a_python_steps_source_rebuilds_every_day(tmp_path, monkeypatch):
    from cxbridge.platform import transform

    step_source = tmp_path / "step.py"
    step_source.write_text("def score(frame):\n    return frame\n", encoding="utf-8")
    real = model_graph.step_files
    monkeypatch.setattr(model_graph, "step_files", lambda step: (*real(step), step_source))
    graph = the_graph()
    before = transform._code_version(graph)
    assert transform._code_version(graph) == before  # read again, unchanged
    step_source.write_text("def score(frame):\n    return frame.head(0)\n", encoding="utf-8")
    after = transform._code_version(graph)
    assert after != before
    con = duckdb.connect()
    con.execute("create schema stg; create table stg.kpi_15min (interval_start timestamp);"
                "create table stg.usage (date date); insert into stg.usage values ('2026-10-10')")
    report = transform._plan(con, {("sql", None): before}, {("sql", None): after}, full=False)
    assert report.mode == "full" and "Python steps" in report.reason
    assert transform._plan(con, {("sql", None): after}, {("sql", None): after},
                           full=False).mode == "unchanged"
