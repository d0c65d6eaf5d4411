"""Helpers for the tests that drive the dashboard in headless Chromium."""

from __future__ import annotations


def pick(dash_duo, selector: str, label: str, timeout: float = 20) -> None:
    """Choose ``label`` in the dcc.Dropdown at ``selector`` as a person would: wait for the
    dropdown, open it, wait for its options, click the one shown as ``label``. Dash's own
    ``select_dcc_dropdown`` looks once and logs, not fails, when the menu is not drawn yet,
    which a loaded machine turns into a flaky test."""
    from dash.testing.wait import until
    from selenium.webdriver.common.by import By

    dash_duo.wait_for_element(selector, timeout=timeout).click()

    def option():
        for element in dash_duo.driver.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option"):
            if element.text == label:
                return element
        return None

    until(option, timeout, msg=f"{selector} never offered {label!r}").click()


def displayed(dash_duo, selector: str) -> bool:
    """Whether the element at ``selector`` is shown, asked again when Dash re-renders it between
    the lookup and the question (a ``StaleElementReferenceException`` on a loaded machine)."""
    from selenium.common.exceptions import StaleElementReferenceException

    for _ in range(20):
        try:
            return dash_duo.find_element(selector).is_displayed()
        except StaleElementReferenceException:
            continue
    raise AssertionError(f"{selector} kept being re-rendered; could not ask whether it is shown")


def becomes_hidden(dash_duo, selector: str, timeout: float = 10) -> None:
    """Wait until the element at ``selector`` is hidden; fail naming it if it stays shown."""
    from dash.testing.wait import until

    until(lambda: not displayed(dash_duo, selector), timeout, msg=f"{selector} is still shown")


def free_port() -> int:
    """A TCP port nothing listens on now (the OS picks it), for a test server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(dash_duo, app, **options) -> int:
    """Serve ``app`` for ``dash_duo`` on a free port (dash's fixed default port collides when
    tests run in parallel); returns the port."""
    port = free_port()
    dash_duo.start_server(app, port=port, **options)
    return port


def url_query(dash_duo) -> dict[str, list[str]]:
    """The browser's current query string, parsed."""
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(dash_duo.driver.current_url).query, keep_blank_values=True)


def wait_until(dash_duo, condition, message: str, timeout: float = 20) -> None:
    """Wait until ``condition()`` is true; fail with ``message`` after ``timeout`` seconds."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(dash_duo.driver, timeout).until(lambda _driver: condition(), message)


def checked(dash_duo, group: str) -> list[str]:
    """The labels of the ticked boxes of the dbc.Checklist with id ``group``."""
    return dash_duo.driver.execute_script(
        f"return Array.from(document.querySelectorAll('#{group} input'))"
        ".filter(i => i.checked).map(i => i.parentElement.textContent.trim());")
