"""What an incident's care protected, in words (the incident page's "protected so far"): from
its row of marts.incident_protection (models/service/sql/marts/incident_protection.sql). A
programme too few to tell is said to be not measured, never shown as 0."""

from __future__ import annotations

NO_TABLE = ("Protected so far: not measured. It needs recorded care actions (raw/actions) and "
            "their control groups.")


def protected_text(row: dict | None) -> str:
    """'Protected so far: 1.2 customers kept (95 %: 0.4 to 2.0), € 54 a month …' from the
    incident's row of marts.incident_protection; when its care programme is too few to tell,
    says so instead of a number."""
    if row is None or row["protection"] == "no care recorded":
        return "Protected so far: no care recorded after this incident yet."
    cared = (f"{row['customers_cared']:,} customer(s) cared for, "
             f"{row['control_customers']:,} held out as control")
    if row["protection"] == "not measured":
        return (f"Protected so far: not measured. {cared}; their care programme's treated "
                "and control groups are too few to tell its effect yet.")
    part = ("" if row["protection"] == "measured" else
            f" (the {row['customers_cared_measured']:,} whose programme is measured)")
    return (f"Protected so far: {row['churn_avoided']:,.1f} customers kept (95 %: "
            f"{row['churn_avoided_low']:,.1f} to {row['churn_avoided_high']:,.1f}), "
            f"€ {row['revenue_protected_eur']:,.0f} a month of revenue (95 %: "
            f"€ {row['revenue_protected_low_eur']:,.0f} to "
            f"€ {row['revenue_protected_high_eur']:,.0f}){part}; {cared}.")
