"""Logging in to the dashboard through its form, as a browser does, with Flask's test client
(the tests of security, roles and the app share it)."""

from __future__ import annotations

import re

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def log_in(client, user: str, password: str, next_path: str = "/"):
    """Post the log-in form with its anti-forgery token; the response."""
    token = CSRF.search(client.get("/login").get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": user, "password": password, "csrf": token,
                                       "next": next_path})
