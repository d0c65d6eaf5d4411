"""Customer 360's reads: find a customer, their CRM record, their days, services, incidents,
tickets and churn score. Contact details and ticket text only when the caller (the page, by
role: :mod:`cxbridge.dashboards.roles`) asks for them."""

from __future__ import annotations

import polars as pl

from cxbridge.dashboards.filters import Filters
from cxbridge.dashboards.queries import CHURN_TABLES, DashboardQueries
from cxbridge.dashboards.roles import CONTACT_COLUMNS

# what customer_incidents.sql reads, and gives
CUSTOMER_INCIDENT_SCHEMA = {
    "incident_id": pl.String, "title": pl.String, "kind": pl.String, "status": pl.String,
    "source": pl.String, "service_id": pl.String, "cfs_type": pl.String,
    "impact_minutes": pl.Float64, "first_at": pl.Datetime("us"), "last_at": pl.Datetime("us")}

# the columns of service_experience_daily added after the first snapshots that Customer 360's
# services table reads (customer_services.sql)
SERVICES_READS = ("outage_minutes",)


class CustomerReader(DashboardQueries):
    """One customer at a time; the published tables are sorted by customer, so each read
    touches a few row groups."""

    def find_customers(self, text: str, by_contact: bool = False) -> pl.DataFrame:
        """Up to 12 customers whose id starts with ``text`` (or, ``by_contact``, whose name
        or e-mail address contains it, or whose phone contains its digits)."""
        text = text.strip()
        digits = "".join(ch for ch in text if ch.isdigit()).lstrip("0")  # 087… = +353 87…
        frame = self.sql("find_customers", text=text, digits=digits, by_contact=by_contact)
        return frame if by_contact else frame.drop("name", "phone")

    def customer(self, customer_id: str, with_contacts: bool = False) -> dict | None:
        """One customer's CRM record (contact details only ``with_contacts``), or None."""
        frame = self.sql("customer_profile", customer_id=customer_id,
                         with_contacts=with_contacts)
        if frame.is_empty():
            return None
        row = frame.row(0, named=True)
        return row if with_contacts else {k: v for k, v in row.items()
                                          if k not in CONTACT_COLUMNS}

    def customer_days(self, customer_id: str, filters: Filters) -> pl.DataFrame:
        return self.sql("customer_days", filters, customer_id=customer_id)

    def customer_services(self, customer_id: str, filters: Filters) -> pl.DataFrame:
        return self.sql("customer_services", filters, customer_id=customer_id)

    def services_outdated(self) -> tuple[str, ...]:
        """The columns ``customer_services.sql`` reads that this snapshot lacks (one published
        before the experience rows carried the fault minutes, 7 Dec 2026)."""
        return self.missing_columns("service_experience_daily", *SERVICES_READS)

    def customer_incidents(self, customer_id: str) -> pl.DataFrame:
        """The incidents that hurt the customer's services (``customer_incidents.sql``); none,
        with the same columns, when the snapshot lacks a table it reads."""
        if self.missing_for("customer_incidents"):
            return pl.DataFrame(schema=CUSTOMER_INCIDENT_SCHEMA)
        return self.sql("customer_incidents", customer_id=customer_id)

    def customer_tickets(self, customer_id: str, with_text: bool = False) -> pl.DataFrame:
        frame = self.sql("customer_tickets", customer_id=customer_id, with_text=with_text)
        return frame if with_text else frame.drop("description")

    def customer_churn(self, customer_id: str) -> dict | None:
        if self.missing(*CHURN_TABLES):
            return None
        frame = self.sql("customer_churn", customer_id=customer_id)
        return frame.row(0, named=True) if not frame.is_empty() else None
