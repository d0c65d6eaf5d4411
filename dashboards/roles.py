"""Who is looking, and what they may see: the four roles and the personal-data rules.

* **executive**: the shared KPIs, counts and customer ids; no contact details anywhere.
* **marketing**: the same on screen; its campaign exports carry names, e-mails and phones,
  because a campaign tool needs them to reach the customers.
* **operations**: incidents, services and customers by id and count; no contact details.
* **care**: Customer 360 shows contact details and ticket texts and finds customers by name
  or phone; the proactive-care list of an incident exports with contact details.

A ticket's text may hold personal details, so one ticket's text is shown only where contact
details are (Customer 360, care). The Care tickets page shows every role counts and the phrases
that at least :data:`PHRASE_MIN_TICKETS` tickets share, never one ticket's words.

How the role of a request is decided (:meth:`Access.role_for`):

1. behind a login (the users file that ``cxbridge users add NAME --role ROLE`` writes, see
   :mod:`cxbridge.dashboards.auth`), the role written with the user;
2. without a login, ``CXBRIDGE_DASHBOARD_ROLE`` fixes the role for everybody;
3. without either (only possible on localhost), a role switcher in the header lets the person
   at the machine try each role; it starts as ``executive``, which sees no personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ROLES: tuple[str, ...] = ("executive", "marketing", "operations", "care")
DEFAULT_ROLE = "executive"
ROLE_VARIABLE = "CXBRIDGE_DASHBOARD_ROLE"

ROLE_LABELS: dict[str, str] = {
    "executive": "Executive",
    "marketing": "Marketing",
    "operations": "Network operations",
    "care": "Customer care",
}

# Where a customer's name, e-mail and phone may appear, and which roles see them there.
CONTACT_PLACES: dict[str, frozenset[str]] = {
    "campaign_export": frozenset({"marketing"}),
    "care_list_export": frozenset({"care"}),
    "customer_360": frozenset({"care"}),
}
CONTACT_COLUMNS: tuple[str, ...] = ("name", "email", "phone")
# A phrase of ticket texts is shown to every role only when at least this many tickets share it.
PHRASE_MIN_TICKETS = 5

# Pages meant for some roles only (path → roles); a page not listed is for every role. The
# Measured experience page holds no personal data: it is for the network, marketing and
# executive views, not a care desk's.
PAGE_ROLES: dict[str, frozenset[str]] = {
    "/measured": frozenset({"operations", "marketing", "executive"}),
}


class RoleError(ValueError):
    """An unknown role name; the message lists the known ones."""


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`, else a :class:`RoleError` saying which are."""
    if role not in ROLES:
        raise RoleError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


def sees_contacts(role: str, place: str) -> bool:
    """May ``role`` see customers' contact details at ``place`` (see :data:`CONTACT_PLACES`)?"""
    if place not in CONTACT_PLACES:
        raise KeyError(f"no contact rule for {place!r}; places are {', '.join(CONTACT_PLACES)}")
    return role in CONTACT_PLACES[place]


def sees_page(role: str, path: str) -> bool:
    """Is the page at ``path`` meant for ``role`` (see :data:`PAGE_ROLES`)?"""
    return role in PAGE_ROLES.get(path, frozenset(ROLES))


def searches_by_contact(role: str) -> bool:
    """Finding a customer by name or phone is itself a look at personal data."""
    return sees_contacts(role, "customer_360")


@dataclass(frozen=True)
class Account:
    """One login: the argon2 hash of its password (never the password) and its role."""

    password_hash: str
    role: str = DEFAULT_ROLE


@dataclass(frozen=True)
class Access:
    """The app's logins and the role fixed for everybody (none: switcher). ``accounts`` may be
    a live view of the users file (:class:`cxbridge.dashboards.auth.UsersStore`); ``login``
    says the server is behind a login even when that file has just lost its last user."""

    accounts: Mapping[str, Account] = field(default_factory=dict)
    fixed_role: str | None = None
    login: bool = False

    @property
    def login_required(self) -> bool:
        return self.login or bool(self.accounts)

    @property
    def switchable(self) -> bool:
        """Only without a login and without a fixed role may the browser pick the role."""
        return not self.login_required and self.fixed_role is None

    def role_for(self, username: str | None, requested: str | None) -> str:
        """The role of a request from ``username`` (the login, if any) that asks for
        ``requested`` (the header switcher's value, trusted only when :attr:`switchable`)."""
        if self.login_required:
            account = self.accounts.get(username or "")
            return account.role if account else DEFAULT_ROLE
        if self.fixed_role is not None:
            return self.fixed_role
        return requested if requested in ROLES else DEFAULT_ROLE
