"""The world's entities in the exact columns of the raw-layout contract (``data/README.md``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from .care import channels, status_at
from .clock import Clock
from .ticket_text import describe

CUSTOMER_COLUMNS = ("customer_id", "name", "email", "phone", "segment", "region", "city",
                    "contract_type", "payment_method", "customer_since", "monthly_charges_eur",
                    "status", "marketing_opt_in", "consent_email", "consent_sms",
                    "consent_phone", "preferred_language", "preferred_channel", "loyalty_tier",
                    "date_of_birth")
SERVICE_LABEL = {"ftth": "broadband", "iptv": "TV", "mobile_data": "mobile data",
                 "mobile_voice": "mobile", "enterprise_vpn": "VPN"}


def iso_series(seconds: np.ndarray, clock: Clock) -> pl.Series:
    """ISO 8601 UTC strings for instants in seconds from the window start (null if infinite)."""
    finite = np.isfinite(seconds)
    whole = pl.Series(np.where(finite, np.round(seconds), 0).astype(np.int64))
    origin = clock.origin.replace(tzinfo=None)
    text = pl.select((pl.lit(origin) + pl.duration(seconds=whole))
                     .dt.strftime("%Y-%m-%dT%H:%M:%SZ")).to_series()
    return text.set(pl.Series(~finite), None) if seconds.size else text


def customers_export(customers: pl.DataFrame, services: pl.DataFrame,
                     churned: np.ndarray) -> pl.DataFrame:
    """CRM export as of the end of the window."""
    cents = (pl.col("price_eur") * 100).round(0).cast(pl.Int64)
    charges = services.group_by("customer_id").agg(
        monthly_charges_eur=cents.sum() / 100)
    return (customers.join(charges, on="customer_id", how="left", maintain_order="left")
            .with_columns(status=pl.Series(np.where(churned, "terminated", "active")))
            .select(CUSTOMER_COLUMNS))


def services_state(services: pl.DataFrame, churn_day: np.ndarray, service_customer: np.ndarray,
                   clock: Clock) -> pl.DataFrame:
    """State and end date of every CFS at the end of the window: a churned customer's services
    end on the churn date."""
    ends = churn_day[service_customer]
    ended = ends < clock.days
    end_date = np.where(ended, np.datetime64(clock.start) + ends.clip(0, clock.days)
                        .astype("timedelta64[D]"), np.datetime64("NaT"))
    return services.with_columns(state=pl.Series(np.where(ended, "terminated", "active")),
                                 end_date=pl.Series(end_date).cast(pl.Date))


def usage_export(usage: pl.DataFrame, service_ids: pl.Series, resource_ids: pl.Series
                 ) -> pl.DataFrame:
    """Usage rows with identifiers and rounded amounts, sorted by service and cell."""
    cell = pl.col("cell")
    return usage.select(
        "date", service_id=service_ids.gather(usage["row"]),
        cell_id=pl.when(cell >= 0).then(resource_ids.gather(usage["cell"].clip(0))),
        data_volume_mb=pl.col("data_volume_mb").round(2),
        voice_minutes=pl.col("voice_minutes").round(2),
        sessions="sessions", session_failures="session_failures",
        video_stall_count="video_stall_count",
        video_stall_seconds=pl.col("video_stall_seconds").round(1),
    ).sort("service_id", "cell_id", nulls_last=True)


def tickets_export(tickets: pl.DataFrame, customers: pl.DataFrame, services: pl.DataFrame,
                   clock: Clock, rng: np.random.Generator) -> pl.DataFrame:
    """All tickets of the window with their status as of the export (end of the window).
    Ticket ids follow creation order."""
    tickets = tickets.sort("created_s", "cust", "row", maintain_order=True)
    n = tickets.height
    cust = tickets["cust"]
    segment = customers["segment"].gather(cust).to_numpy()
    export_s = clock.days * 86400.0
    resolved = tickets["resolved_s"].to_numpy()
    status = status_at(tickets["created_s"].to_numpy(), resolved, export_s, rng)
    context = tickets.with_columns(
        town=customers["city"].gather(cust), tier=services["download_mbps"].gather(tickets["row"]),
        service_label=services["cfs_type"].gather(tickets["row"]).replace_strict(SERVICE_LABEL))
    return pl.DataFrame({
        "ticket_id": pl.select(pl.format("TT-{}", pl.int_range(1, n + 1).cast(pl.String)
                                         .str.zfill(7))).to_series() if n else [],
        "customer_id": customers["customer_id"].gather(cust),
        "service_id": services["service_id"].gather(tickets["row"]),
        "created_at": iso_series(tickets["created_s"].to_numpy(), clock),
        "resolved_at": iso_series(np.where(resolved <= export_s, resolved, np.inf), clock),
        "status": status, "channel": channels(segment, rng),
        "category": tickets["category"], "severity": tickets["severity"],
        "description": describe(context, rng),
    }, schema_overrides={"ticket_id": pl.String, "resolved_at": pl.String,
                         "created_at": pl.String, "channel": pl.String, "status": pl.String})


def surveys_export(surveys: pl.DataFrame, customers: pl.DataFrame, first_number: int,
                   clock: Clock) -> pl.DataFrame:
    surveys = surveys.sort("responded_s", "cust", maintain_order=True)
    n = surveys.height
    numbers = pl.Series(np.arange(first_number, first_number + n)).cast(pl.String).str.zfill(7)
    return pl.DataFrame({
        "response_id": pl.select(pl.concat_str(pl.lit("NPS-"), numbers)).to_series(),
        "customer_id": customers["customer_id"].gather(surveys["cust"]),
        "responded_at": iso_series(surveys["responded_s"].to_numpy(), clock),
        "score": surveys["score"], "comment": surveys["comment"],
    }, schema_overrides={"responded_at": pl.String})
