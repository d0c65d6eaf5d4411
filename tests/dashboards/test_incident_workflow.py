"""The incident workflow on the dashboard: in headless Chromium, the operations role
acknowledges, assigns, notes and hands over an incident; a new snapshot of the same world is
published; the page reloaded still shows the state and the notes, and the queue shows them
too. Another role sees the panel read-only, and the server refuses its actions even when asked
directly."""

from __future__ import annotations

import json

import pytest
from dash.testing.wait import until

from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.workflow_view import panel_content, perform, state_text
from cxbridge.platform import audit
from cxbridge.platform.workflow import WorkflowStore
from tests.dashboards.browser import becomes_hidden, displayed, pick, start
from tests.dashboards.world import OPEN_FIBRE

NOTE = "Fibre crew on site\nsplice ETA 40 min"


@pytest.fixture
def app(settings, publish, demo_rows, world):
    publish("first-run", demo_rows, world)
    return create_app(settings)



def _click(dash_duo, selector: str) -> None:
    dash_duo.driver.execute_script("arguments[0].click();", dash_duo.find_element(selector))


def _type(dash_duo, selector: str, text: str) -> None:
    field = dash_duo.find_element(selector)
    field.clear()
    field.send_keys(text)


@pytest.mark.browser
@pytest.mark.usefixtures("chromium")
def test_workflow_state_survives_a_new_snapshot_and_other_roles_only_read(
        dash_duo, app, settings, publish, demo_rows, world, tmp_path):
    start(dash_duo, app)
    downloads = tmp_path / "downloads"
    dash_duo.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(downloads)})
    page = f"{dash_duo.server_url}/incident/{OPEN_FIBRE}"
    dash_duo.wait_for_page(url=page)
    # the executive (the switcher's first role) reads, and cannot act
    dash_duo.wait_for_contains_text("#workflow-role-note", "Read-only")
    dash_duo.wait_for_contains_text("#workflow-history", "Nobody has acted")
    becomes_hidden(dash_duo, "#workflow-controls")

    pick(dash_duo, "#shell-role", "Network operations")
    dash_duo.wait_for_element("#workflow-ack")
    assert displayed(dash_duo, "#workflow-controls")
    _click(dash_duo, "#workflow-ack")
    dash_duo.wait_for_contains_text("#workflow-state-line", "Acknowledged")
    _type(dash_duo, "#workflow-assignee", "carla")
    _click(dash_duo, "#workflow-assign")
    dash_duo.wait_for_contains_text("#workflow-state-line", "Assigned to carla")
    _type(dash_duo, "#workflow-note", NOTE)
    _click(dash_duo, "#workflow-note-add")
    dash_duo.wait_for_contains_text("#workflow-events", "splice ETA 40 min")
    assert not dash_duo.find_element("#workflow-ack").is_enabled()  # acknowledged: done
    _click(dash_duo, "#workflow-note-add")  # the field was emptied: an empty note is refused
    dash_duo.wait_for_contains_text("#workflow-message", "the note is empty")

    publish("second-run", demo_rows, world)  # a new run of the same world
    dash_duo.wait_for_page(url=page)
    dash_duo.wait_for_text_to_equal("#shell-run-id", "second-run")
    dash_duo.wait_for_contains_text("#workflow-state-line", "Acknowledged")
    dash_duo.wait_for_contains_text("#workflow-state-line", "Assigned to carla")
    dash_duo.wait_for_contains_text("#workflow-events", "splice ETA 40 min")
    events = dash_duo.find_elements("#workflow-events li")
    assert [e.get_attribute("class").split()[-1] for e in events] == [
        "workflow-note", "workflow-assign", "workflow-acknowledge"]  # newest first

    pick(dash_duo, "#shell-role", "Network operations")
    _type(dash_duo, "#workflow-ticket", "INC0012345")
    _click(dash_duo, "#workflow-handover")
    dash_duo.wait_for_contains_text("#workflow-state-line", "Ticket INC0012345")
    dash_duo.wait_for_contains_text("#workflow-message", "TMF621 TroubleTicket downloaded")
    ticket = downloads / f"{OPEN_FIBRE}.tmf621.json"
    until(ticket.is_file, 10, msg=f"{ticket.name} was not downloaded")
    until(lambda: ticket.read_text().endswith("}"), 10, msg=f"{ticket.name} is not whole")
    downloaded = json.loads(ticket.read_text())

    dash_duo.wait_for_page(url=f"{dash_duo.server_url}/operations")
    dash_duo.wait_for_contains_text("#operations-queue-table", "Handed over\ncarla")
    assert dash_duo.get_logs() == []

    store = WorkflowStore(settings.dashboard.workflow_file)
    payload = store.handover_payload(OPEN_FIBRE)
    assert payload == downloaded and payload["@type"] == "TroubleTicket"
    assert [n["text"] for n in payload["note"]] == [NOTE]
    assert payload["externalIdentifier"][1]["id"] == "INC0012345"
    acted = [(e["event"], e["user"]) for e in audit.read_events(settings.dashboard.audit_file)
             if e["event"].startswith("incident_")]
    assert acted == [("incident_acknowledge", "operations (no login)"),
                     ("incident_assign", "operations (no login)"),
                     ("incident_note", "operations (no login)"),
                     ("incident_handover", "operations (no login)")]


def test_a_role_that_may_not_act_is_refused_by_the_server(settings, tmp_path):
    store = WorkflowStore(tmp_path / "workflow.sqlite")
    incident = {"incident_id": OPEN_FIBRE, "title": "Loss of signal"}
    for role in ("executive", "marketing", "care"):
        with pytest.raises(PermissionError, match="only Network operations"):
            perform(store, "acknowledge", incident, role, None, None, None)
    assert store.history(OPEN_FIBRE) == []
    assert state_text(None) == "New"


def test_the_command_line_acts_on_the_same_store(settings, publish, demo_rows, world,
                                                 monkeypatch, tmp_path):
    """`cxbridge incidents ack / assign / note / handover / history` on the published
    snapshot's incidents, into the store the dashboard reads."""
    from typer.testing import CliRunner

    from cxbridge.app.cli import app as cli

    publish("cli-run", demo_rows, world)
    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, ["incidents", *args])

    assert run("ack", OPEN_FIBRE).exit_code == 0
    again = run("ack", OPEN_FIBRE)
    assert again.exit_code == 0 and "already acknowledged" in again.output
    assert run("assign", OPEN_FIBRE, "--to", "carla").exit_code == 0
    empty = run("note", OPEN_FIBRE, "  ")
    assert empty.exit_code == 1 and "the note is empty" in empty.output
    assert run("note", OPEN_FIBRE, NOTE).exit_code == 0
    unknown = run("ack", "INC-NOPE")
    assert unknown.exit_code == 1 and "no incident 'INC-NOPE' in the current snapshot" in \
        unknown.output
    bad_ticket = run("handover", OPEN_FIBRE, "--ticket-id", "two words")
    assert bad_ticket.exit_code == 1 and "ticket id 'two words' cannot be used" in \
        bad_ticket.output
    out = tmp_path / "ticket.json"
    assert run("handover", OPEN_FIBRE, "--out", str(out)).exit_code == 0
    ticket = json.loads(out.read_text())
    assert ticket["externalIdentifier"][1]["id"] == f"CXB-TT-{OPEN_FIBRE}"
    assert [n["text"] for n in ticket["note"]] == [NOTE]
    assert [p["role"] for p in ticket["relatedParty"]] == ["reporter", "assignee"]
    history = runner.invoke(cli, ["incidents", "history", OPEN_FIBRE], terminal_width=100)
    assert history.exit_code == 0
    assert f"{OPEN_FIBRE}: Handed over · assigned to carla" in history.output
    rows = [line.split("│")[4].strip() for line in history.output.splitlines()
            if "command line" in line]
    assert rows == ["handover", "note", "assign", "acknowledge"]  # newest first
    state = WorkflowStore(settings.dashboard.workflow_file).state(OPEN_FIBRE)
    assert (state.state, state.assignee, state.notes) == ("handed_over", "carla", 1)


def test_a_store_that_cannot_be_read_leaves_the_panel_up_and_says_why(tmp_path):
    garbage = tmp_path / "workflow.sqlite"
    garbage.write_bytes(b"no database here" * 100)
    state, history, hidden, note, ack_disabled, _ = panel_content(
        WorkflowStore(garbage), OPEN_FIBRE, "operations")
    assert "workflow.sqlite cannot be used" in str(history.children)
    assert (hidden, note, ack_disabled) == (False, None, False)
    _, _, hidden, note, _, _ = panel_content(WorkflowStore(garbage), OPEN_FIBRE, "care")
    assert hidden and "Read-only" in note


def test_the_command_line_needs_only_the_tables_an_incident_is_read_from(
        settings, publish, demo_rows, world, monkeypatch):
    """A snapshot an earlier cxbridge published, without a table a later one added for another
    view of incidents (here the hourly counters and the breakdown), still takes `cxbridge
    incidents ack`; one without the queue says that there are no incidents and how to get
    them."""
    from typer.testing import CliRunner

    from cxbridge.app.cli import app as cli

    monkeypatch.setenv("CXBRIDGE_HOME", str(settings.home))
    monkeypatch.setenv("CXBRIDGE_CONFIG", "")
    runner = CliRunner()
    older = {name: frame for name, frame in world.items()
             if name not in ("incident_hours", "impact_breakdown")}
    publish("older-run", demo_rows, older)
    done = runner.invoke(cli, ["incidents", "ack", OPEN_FIBRE])
    assert done.exit_code == 0, done.output
    assert WorkflowStore(settings.dashboard.workflow_file).state(OPEN_FIBRE).state == \
        "acknowledged"
    publish("no-incidents", demo_rows, {name: frame for name, frame in older.items()
                                        if name != "queue"})
    refused = runner.invoke(cli, ["incidents", "ack", OPEN_FIBRE])
    assert refused.exit_code == 1
    assert "holds no incidents: run `cxbridge run`" in " ".join(refused.output.split())
