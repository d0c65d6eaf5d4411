"""Screenshots of every page at 1366×768 in headless Chromium, on the current snapshot.

    CXBRIDGE_HOME=/tmp/dash-home .venv/bin/python -m tests.dashboards.screenshots \\
        --out dashboards/screenshots

Serves the dashboard (role switcher on, no login) on a free loopback port, opens each page as
the role it is made for, waits until every callback has answered and saves
``<page>.png``. Not a test: a tool to look at the product (``--full`` saves whole pages too).
"""

from __future__ import annotations

import argparse
import logging
import socket
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import make_server

from cxbridge.dashboards import planned_reader
from cxbridge.dashboards.app import create_app
from cxbridge.dashboards.data_access import SnapshotReader
from cxbridge.dashboards.roles import ROLE_LABELS
from cxbridge.platform.settings import load_settings
from tests.dashboards.conftest import CHROME_ARGS, CHROMIUM

WIDTH, HEIGHT = 1366, 768
IDLE = ("return document.querySelector('[data-dash-is-loading=\"true\"]') === null"
        " && document.querySelectorAll('._dash-loading').length === 0"
        " && document.readyState === 'complete'")


def pages(reader: SnapshotReader) -> list[tuple[str, str, str, str]]:
    """(file name, path, role, element that must be drawn) for every page."""
    filters = reader.filter_options().default
    # an incident from an alarm, else any; none on a snapshot without incidents (a network
    # feed alone, an earlier cxbridge's): then no incident page, and the first customer
    queue = (reader.incident_queue(filters, include_planned=False)
             if not reader.missing_for("incident_queue") else pl.DataFrame())
    incident = None
    if not queue.is_empty():
        alarm = queue.filter(queue["source"] == "alarm")
        incident = (alarm if not alarm.is_empty() else queue)["incident_id"][0]
    hurt = (reader.care_preview(incident)
            if incident is not None and not reader.missing_for("care_preview")
            else pl.DataFrame())
    customers = reader.find_customers("") if not reader.missing_for("find_customers") \
        else pl.DataFrame()
    customer = (hurt["customer_id"][0] if not hurt.is_empty()
                else customers["customer_id"][0] if not customers.is_empty() else None)
    # planned work on the resource taking most customers down alone, starting tomorrow 02:00
    options = (planned_reader.resource_options(reader) if not planned_reader.missing(reader)
               else None)
    planned = "/planned"
    if options is not None and options.height:
        worst = options.sort("customers", descending=True)["resource_id"][0]
        start = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT02:00")
        planned = f"/planned?res={worst}&hours=2&start={start}"
    return [
        ("overview", "/", "executive", "#overview-trend .js-plotly-plot"),
        ("marketing", "/marketing", "marketing", "#marketing-risk-map .js-plotly-plot"),
        # the queue, or on a snapshot without incidents the notices saying what would build it
        ("operations", "/operations", "operations",
         "#operations-queue-table, #operations-notice > *, .feed-notice"),
        *([("incident", f"/incident/{incident}", "operations",
            "#incident-kpis .js-plotly-plot")] if incident is not None else []),
        *([("customer-360", f"/customer/{customer}", "care",
            "#customer-experience .js-plotly-plot"),
           ("customer-360-operations", f"/customer/{customer}", "operations",
            "#customer-experience .js-plotly-plot")] if customer is not None else []),
        ("glossary", "/glossary", "executive", "#glossary-experience-index"),
        ("planned-work", planned, "operations", "#planned-stats"),
        ("campaign-review", "/review", "marketing", "#review-summary"),
        ("outcomes", "/outcomes", "executive", "#outcomes-summary-row"),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--full", action="store_true", help="also whole-page screenshots")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    settings = load_settings()
    app = create_app(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = make_server("127.0.0.1", port, app.server, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    for argument in CHROME_ARGS:
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(options=options)
    try:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
        for name, path, role, ready in pages(SnapshotReader(settings)):
            shoot(driver, f"http://127.0.0.1:{port}", name, path, role, ready, args)
    finally:
        driver.quit()
        server.shutdown()
    return 0


def shoot(driver, base: str, name: str, path: str, role: str, ready: str, args) -> None:
    driver.get(base + path)
    wait = WebDriverWait(driver, 30)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#shell-role"))
    current = driver.find_element(By.CSS_SELECTOR, "#shell-role").text
    if ROLE_LABELS[role] not in current:
        driver.find_element(By.CSS_SELECTOR, "#shell-role").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"))
        for option in driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
            if option.text == ROLE_LABELS[role]:
                option.click()
                break
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))
    wait.until(lambda d: d.execute_script(IDLE))
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(args.out / f"{name}.png"))
    if args.full:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": height, "deviceScaleFactor": 1, "mobile": False})
        wait.until(lambda d: d.execute_script(IDLE))
        driver.save_screenshot(str(args.out / f"{name}-full.png"))
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    print(f"{name}: {path} as {role}")


if __name__ == "__main__":
    raise SystemExit(main())
