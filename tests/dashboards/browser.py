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
