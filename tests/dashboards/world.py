"""A small hand-made operator for the dashboard tests: every table the snapshot carries, with
the real column names and types, and facts the tests can rely on.

* 40 customers over two weeks (2026-03-02 … 03-15), eight per region; every customer has
  FTTH, even ones mobile data, every third IPTV, enterprise ones a VPN.
* ``INC-OPEN``: a fibre cut in Munster, still **open**, hurting every Munster FTTH service on
  the last day (their experience that day: 30).
* ``INC-DONE``: a BNG overload in Dublin on 03-09, **cleared** after 3 hours.
* ``SIL-SLEEP``: a silent sleeping cell in Connacht, **open**, hurting Connacht mobile data.
* Churn scores for every customer; ``risk_band`` high for every fourth customer.
* Customer ``C0000001`` is Aoife Byrne (Dublin), whose contact details the PII tests look for.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import polars as pl

from cxbridge.models.incidents.build import SQL as INCIDENT_SQL
from cxbridge.platform.warehouse import execute_sql_file, query

FIRST_DAY = date(2026, 3, 2)
DAYS = [FIRST_DAY + timedelta(days=i) for i in range(14)]
LAST_DAY = DAYS[-1]
SCORED_AT = LAST_DAY + timedelta(days=1)  # the churn model scores the day after the data
REGIONS = ("Dublin", "Leinster", "Munster", "Connacht", "Ulster")
FIRST_NAMES = ("Aoife", "Ciarán", "Niamh", "Seán", "Róisín", "Darragh", "Saoirse", "Eoin")
LAST_NAMES = ("Byrne", "Murphy", "Kelly", "Walsh", "O'Brien")
PII_CUSTOMER = {"customer_id": "C0000001", "name": "Aoife Byrne",
                "email": "aoife.byrne@example.ie", "phone": "+353 87 100 0001"}

OPEN_FIBRE = "INC-OPEN"
CLEARED_BNG = "INC-DONE"
SILENT_CELL = "SIL-SLEEP"


def _phone(n: int) -> str:
    """Mostly international, every eighth in national form (087 …), two bare local numbers
    that cannot be made E.164 (customers 12 and 21)."""
    if n in (12, 21):
        return f"100 {n:04d}"
    return f"087 100 {n:04d}" if n % 8 == 5 else f"+353 87 100 {n:04d}"


def _consent(n: int) -> dict[str, object]:
    """Marketing consent as a CRM gives it: no general opt-in for every fourth customer from
    the third on, unknown (null) for every ninth; e-mail consent but for every fifth from the
    second, SMS for every third, calls for every sixth, unknown SMS for every eleventh."""
    return {"marketing_opt_in": None if n % 9 == 0 else n % 4 != 3,
            "consent_email": n % 5 != 2, "consent_sms": None if n % 11 == 0 else n % 3 == 0,
            "consent_phone": n % 6 == 0, "preferred_language": "ga" if n % 7 == 0 else "en",
            "preferred_channel": ("email", "sms", "phone", None)[n % 4]}


def customers() -> pl.DataFrame:
    rows = []
    for n in range(1, 41):
        segment = "enterprise" if n % 10 == 0 else "smb" if n % 7 == 0 else "consumer"
        name = f"{FIRST_NAMES[(n - 1) % 8]} {LAST_NAMES[(n - 1) // 8]}"
        cfs = ["ftth"] + (["mobile_data"] if n % 2 == 0 else []) + (
            ["iptv"] if n % 3 == 0 else []) + (["enterprise_vpn"] if segment == "enterprise"
                                                else [])
        rows.append({
            "customer_id": f"C{n:07d}", "name": name,
            "email": f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.ie",
            "phone": _phone(n), "segment": segment,
            "region": REGIONS[(n - 1) % 5], "city": "Town", "contract_type": "monthly",
            "payment_method": "direct_debit", "customer_since": date(2020, 1, 1),
            "monthly_charges_eur": 40.0 + n, "status": "active", "services_active": len(cfs),
            "services_ever": len(cfs), "cfs_types": sorted(cfs),
            "monthly_revenue_eur": 40.0 + n, "last_service_end": None,
            **_consent(n),
        })
    frame = pl.DataFrame(rows, schema_overrides={"last_service_end": pl.Date})
    assert frame.row(0, named=True)["name"] == PII_CUSTOMER["name"]
    return frame


def service_days(people: pl.DataFrame) -> pl.DataFrame:
    """service_experience_daily and service_daily share these columns."""
    rows = []
    for person in people.iter_rows(named=True):
        for k, cfs in enumerate(person["cfs_types"], 1):
            for day in DAYS:
                sei, outage, driver = 94.0 - (k % 3), 0.0, None
                if person["region"] == "Munster" and cfs == "ftth" and day == LAST_DAY:
                    sei, outage, driver = 30.0, 600.0, "No service: fibre cut on OLT-M01"
                if person["region"] == "Dublin" and cfs == "ftth" and day == date(2026, 3, 9):
                    sei, outage, driver = 60.0, 180.0, "Connecting: BNG-D01 overloaded"
                if person["region"] == "Connacht" and cfs == "mobile_data" and day >= date(
                        2026, 3, 12):
                    sei, driver = 55.0, "Traffic collapsed on CELL-C-0001-1"
                rows.append({
                    "date": day, "service_id": f"CFS-{person['customer_id'][1:]}-{k:02d}",
                    "customer_id": person["customer_id"], "cfs_type": cfs,
                    "segment": person["segment"], "region": person["region"],
                    "access_resource_id": "CELL-C-0001-1" if cfs.startswith("mobile")
                    else f"PON-{person['region'][0]}01-001-01",
                    "sei": sei, "poor": sei < 70, "driver_text": driver, "outage_minutes": outage,
                })
    return pl.DataFrame(rows)


def with_parts(services: pl.DataFrame) -> pl.DataFrame:
    """service_experience_daily's parts of the index: each part that applies to the type
    scores the day's index, except packet loss, "not measured" (NULL) everywhere as from a PM
    export without a loss counter; ``coverage`` is the measured share of the weights."""
    from cxbridge.models.experience.sei import COMPONENTS, WEIGHTS

    def applies(name: str) -> pl.Expr:
        return pl.col("cfs_type").is_in([t for t, w in WEIGHTS.items() if name in w])

    loss = {t: w.get("loss", 0.0) / sum(w.values()) for t, w in WEIGHTS.items()}
    return services.with_columns(
        **{f"score_{n}": pl.when(applies(n) & (n != "loss")).then(pl.col("sei"))
           for n in COMPONENTS},
        components_measured=pl.col("cfs_type").replace_strict(
            {t: len(w) - ("loss" in w) for t, w in WEIGHTS.items()}, return_dtype=pl.Int32),
        coverage=1.0 - pl.col("cfs_type").replace_strict(loss, return_dtype=pl.Float64))


def customer_daily(services: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    revenue = people.select("customer_id", "monthly_revenue_eur", "contract_type")
    return (services.sort("sei").group_by("date", "customer_id").agg(
        pl.col("segment").first(), pl.col("region").first(),
        services_active=pl.len(), cfs_types=pl.col("cfs_type").unique().sort(),
        worst_outage_minutes=pl.col("outage_minutes").max(),
        outage_service_minutes=pl.col("outage_minutes").sum(),
        sei_worst=pl.col("sei").min(), sei_mean=pl.col("sei").mean(),
        poor=pl.col("poor").any(), worst_cfs_type=pl.col("cfs_type").first(),
        worst_reason=pl.col("driver_text").first())
        .join(revenue, on="customer_id")
        .with_columns(tickets_opened=pl.lit(0, pl.Int64),
                      network_tickets_opened=pl.lit(0, pl.Int64),
                      survey_responses=pl.lit(0, pl.Int64),
                      survey_score=pl.lit(None, pl.Float64))
        .sort("date", "customer_id"))


def customer_kpi_daily(days: pl.DataFrame) -> pl.DataFrame:
    return days.group_by("date", "region", "segment").agg(
        customers_active=pl.len(), customers_poor=pl.col("poor").sum().cast(pl.Int64),
        customers_hurt=(pl.col("worst_outage_minutes") > 0).sum().cast(pl.Int64),
        sei_worst_sum=pl.col("sei_worst").sum(), sei_scored=pl.len(),
        monthly_revenue_eur=pl.col("monthly_revenue_eur").sum(),
        monthly_revenue_poor_eur=pl.col("monthly_revenue_eur").filter(pl.col("poor")).sum(),
        tickets_opened=pl.col("tickets_opened").sum(), survey_responses=pl.lit(0, pl.Int64),
    ).sort("date", "region", "segment")


def churn_scores(people: pl.DataFrame) -> pl.DataFrame:
    rows = []
    for n, person in enumerate(people.iter_rows(named=True), 1):
        probability = 0.45 if n % 4 == 0 else 0.15 if n % 4 == 1 else 0.04
        band = "high" if probability > 0.3 else "medium" if probability > 0.1 else "low"
        network = person["region"] in ("Munster", "Connacht")
        rows.append({
            "customer_id": person["customer_id"], "scored_at_date": SCORED_AT,
            "churn_probability": probability, "risk_band": band,
            "monthly_revenue_eur": person["monthly_revenue_eur"],
            "revenue_at_risk_eur": round(probability * person["monthly_revenue_eur"], 2),
            "reason_1": "Poor experience on recent days" if network else "Month-to-month contract",
            "reason_2": "Price above the plan's usual", "reason_3": None,
            "network_reason": network, "model_version": "churn-test", "run_id": "score-run",
        })
    return pl.DataFrame(rows, schema_overrides={"reason_3": pl.String})


def churn_history(scores: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    """The one scoring's rows of the history, as models/churn writes them."""
    from cxbridge.models.churn.world import history_table

    return history_table(scores.join(people.select("customer_id", "segment"), on="customer_id"),
                         people)


def churn_drivers(scores: pl.DataFrame) -> pl.DataFrame:
    """Per segment (and 'all') × risk band: customers with each reason (as models/churn)."""
    reasons = scores.select("customer_id", "risk_band", "network_reason",
                            pl.concat_list("reason_1", "reason_2").alias("feature_label"),
                            segment=pl.lit("all")).explode("feature_label")
    by_segment = reasons.join(customers().select("customer_id", "segment"), on="customer_id",
                              suffix="_real").with_columns(segment=pl.col("segment_real"))
    rows = pl.concat([reasons, by_segment.drop("segment_real")]).group_by(
        "segment", "risk_band", "feature_label").agg(
        customers_with_reason=pl.col("customer_id").n_unique(),
        network=(pl.col("feature_label") == "Poor experience on recent days").first())
    return rows.with_columns(feature=pl.col("feature_label").str.to_lowercase(),
                             scored_at_date=pl.lit(SCORED_AT))


def incident_tables(services: pl.DataFrame) -> dict[str, pl.DataFrame]:
    t = datetime.combine
    specs = [  # id, source, kind, title, root, region, start, end, status, planned, severity
        (OPEN_FIBRE, "alarm", "lossOfSignal", "Loss of signal on OLT-M01", "OLT-M01", "Munster",
         t(LAST_DAY, datetime.min.time()) + timedelta(hours=6), None, "open", False, "critical"),
        (CLEARED_BNG, "alarm", "systemResourcesOverload", "Session setup rate above limit on "
         "BNG-D01", "BNG-D01", "Dublin", datetime(2026, 3, 9, 10), datetime(2026, 3, 9, 13),
         "cleared", False, "major"),
        (SILENT_CELL, "silent", "sleeping_cell", "Traffic collapsed to 8 % of usual while "
         "available on CELL-C-0001-1", "CELL-C-0001-1", "Connacht", datetime(2026, 3, 12, 8),
         None, "open", False, None),
    ]
    hurt = {
        OPEN_FIBRE: services.filter((pl.col("region") == "Munster") & (pl.col("cfs_type") == "ftth")
                                    & (pl.col("date") == LAST_DAY)),
        CLEARED_BNG: services.filter((pl.col("region") == "Dublin") & (pl.col("cfs_type") == "ftth")
                                     & (pl.col("date") == date(2026, 3, 9))),
        SILENT_CELL: services.filter((pl.col("region") == "Connacht")
                                     & (pl.col("cfs_type") == "mobile_data")
                                     & (pl.col("date") == date(2026, 3, 12))),
    }
    incidents, queue, affected, episodes, links, impact = [], [], [], [], [], []
    for rank, (iid, source, kind, title, root, region, start, end, status, planned,
               severity) in enumerate(specs, 1):
        impact_end = end or datetime.combine(LAST_DAY, datetime.max.time()).replace(microsecond=0)
        minutes = (impact_end - start).total_seconds() / 60
        rows = hurt[iid]
        incidents.append({
            "incident_id": iid, "source": source, "kind": kind, "title": title,
            "root_resource_id": root, "region": region, "started_at": start, "ended_at": end,
            "impact_end": impact_end, "status": status, "planned": planned,
            "worst_severity": severity, "severity_rank": 5 if severity == "critical" else 4,
            "detection": "silent: sessions 8 % of usual, no alarm" if source == "silent"
            else "alarm correlation: root and symptoms by topology and time",
            "root_resource_type": "cell" if source == "silent" else root[:3].lower(),
            "end_basis": "clear" if end else "open", "n_alarms": 2, "n_symptoms": 1,
            "flapping": False, "n_flaps": 0})
        queue.append({
            "rank": rank, "incident_id": iid, "status": status, "source": source, "kind": kind,
            "title": title, "root_resource_id": root, "started_at": start,
            "duration_minutes": minutes, "planned": planned, "worst_severity": severity,
            "severity_rank": 5 if severity == "critical" else 4,
            "priority_score": 1000.0 / rank, "score_customer_minutes": 600.0 / rank,
            "score_business": 100.0 / rank, "score_sla": 0.0, "score_revenue": 200.0 / rank,
            "score_experience": 100.0 / rank, "affected_services": rows.height,
            "affected_customers": rows["customer_id"].n_unique(), "sla_services": 0,
            "sla_breached_services": 0, "revenue_at_risk_eur": 12.5 * rows.height,
            "experience_drop": 40.0, "score_network": 500.0 / rank,
            "priority_basis": "customers", "network_resources": 1,
            "model_version": "incidents-test", "run_id": "inc-run",
            "scored_at": datetime(2026, 3, 16),
            "effect": "degradation" if source == "silent" else "outage",
            "queue_section": "acute", "chronic_after_days": 3.0})
        impact.append({"incident_id": iid, "network_resources": 1, "network_minutes": minutes,
                       "network_impact": 500.0 / rank, "network_basis": "sessions"})
        for row in rows.iter_rows(named=True):
            affected.append({"incident_id": iid, "service_id": row["service_id"],
                             "customer_id": row["customer_id"], "cfs_type": row["cfs_type"],
                             "segment": row["segment"], "via": "dependency",
                             "impact_minutes": min(minutes, 600.0), "first_at": start,
                             "last_at": impact_end})
        if source == "alarm":
            for role, resource in (("root", root), ("symptom", f"PON-{region[0]}01-001-01")):
                episode = f"EP-{iid}-{role}"
                links.append({"incident_id": iid, "episode_id": episode, "role": role})
                episodes.append({"episode_id": episode, "resource_id": resource,
                                 "resource_type": "olt" if role == "root" else "pon_port",
                                 "probable_cause": kind, "specific_problem": title,
                                 "started_at": start, "ended_at": end, "n_alarms": 1,
                                 "flapping": False, "severity_rank": 5, "service_affecting": True})
    affected_frame = pl.DataFrame(affected)
    regions = services.select("service_id", "region").unique()
    breakdown = affected_frame.join(regions, on="service_id").group_by(
        "incident_id", "cfs_type", "segment", "region").agg(
        services=pl.len(), customers=pl.col("customer_id").n_unique(),
        service_minutes=pl.col("impact_minutes").sum())
    care = (affected_frame.join(regions, on="service_id")
            .group_by("incident_id", "customer_id").agg(
                pl.col("segment").first(), pl.col("region").first(),
                services=pl.col("service_id").sort().str.join(" "),
                cfs_types=pl.col("cfs_type").unique().sort().str.join(" "),
                impact_minutes=pl.col("impact_minutes").max().round(1),
                first_at=pl.col("first_at").min(), last_at=pl.col("last_at").max())
            .sort("incident_id", pl.col("segment").replace_strict(
                {"enterprise": 0, "smb": 1}, default=2), "impact_minutes", "customer_id",
                  descending=[False, False, True, False])
            .with_columns(position=pl.int_range(1, pl.len() + 1).over("incident_id")))
    return {"incidents": pl.DataFrame(incidents), "queue": pl.DataFrame(queue),
            "incident_services": affected_frame, "impact_breakdown": breakdown,
            "care_list": care,
            "incident_access": affected_frame.join(
                services.select("service_id", "access_resource_id").unique(), on="service_id")
            .group_by("incident_id", resource_id="access_resource_id")
            .agg(services=pl.col("service_id").n_unique()),
            "incident_episodes": pl.DataFrame(links), "episodes": pl.DataFrame(episodes),
            "incident_impact": pl.DataFrame(impact)}


def access_hourly() -> pl.DataFrame:
    rows = []
    for resource in ("PON-M01-001-01", "PON-D01-001-01", "CELL-C-0001-1"):
        for hour in (datetime.combine(LAST_DAY - timedelta(days=1), datetime.min.time())
                     + timedelta(hours=h) for h in range(48)):
            down = resource.startswith("PON-M") and hour.date() == LAST_DAY and hour.hour >= 6
            rows.append({"resource_id": resource, "date": hour.date(), "hour": hour,
                         "intervals_reported": 4, "latency_ms": 12.0, "jitter_ms": 1.0,
                         "packet_loss_pct": 0.1, "throughput_mbps": 300.0,
                         "utilisation_max_pct": 40.0,
                         "unavailable_minutes": 60.0 if down else 0.0, "access_attempts": 100,
                         "access_successes": 0 if down else 100, "drops": 0,
                         "sessions": 0 if down else 100})
    return pl.DataFrame(rows)


def tickets(people: pl.DataFrame) -> pl.DataFrame:
    first = people.row(0, named=True)
    return pl.DataFrame([{
        "ticket_id": "TT-0000001", "customer_id": first["customer_id"],
        "service_id": "CFS-0000001-01", "created_at": datetime(2026, 3, 9, 11, 5),
        "resolved_at": datetime(2026, 3, 9, 15, 0), "status": "closed", "channel": "phone",
        "category": "no_service", "severity": "major",
        "description": f"Internet down since this morning, call me on {first['phone']}",
        "segment": first["segment"], "region": first["region"], "hours_to_resolve": 3.9}])


def world_tables() -> dict[str, pl.DataFrame]:
    """Every table of the mini world except ``kpi_daily`` and ``snapshot_info``."""
    people = customers()
    services = service_days(people)
    days = customer_daily(services, people)
    incidents, hourly = incident_tables(services), access_hourly()
    return {
        "customers": people,
        "service_experience_daily": with_parts(services),
        "customer_daily": days,
        "customer_kpi_daily": customer_kpi_daily(days),
        "churn_scores": churn_scores(people),
        "churn_drivers": churn_drivers(churn_scores(people)),
        "churn_score_history": churn_history(churn_scores(people), people),
        "access_hourly": hourly,
        "tickets": tickets(people),
        **incidents,
        "incident_hours": incident_hours(incidents["incidents"], incidents["incident_access"],
                                         hourly),
    }


def incident_hours(incidents: pl.DataFrame, incident_access: pl.DataFrame,
                   hourly: pl.DataFrame) -> pl.DataFrame:
    """``incidents.incident_hours`` as the incident build makes it from these tables (its own
    SQL, models/incidents/sql/incident_hours.sql, run in a DuckDB of its own): what the
    incident page's KPI chart reads. A test that changes the counters makes it again."""
    with duckdb.connect() as con:
        execute_sql_file(con, INCIDENT_SQL / "schema.sql")
        con.execute("create schema if not exists core")
        for name, frame in (("incidents.incidents", incidents),
                            ("incidents.incident_access", incident_access),
                            ("core.access_hourly", hourly)):
            con.register("frame", frame)
            con.execute(f"create or replace table {name} as select * from frame")
            con.unregister("frame")
        con.execute("create or replace table incidents.scope_incidents as "
                    "select incident_id from incidents.incidents")
        execute_sql_file(con, INCIDENT_SQL / "incident_hours.sql")
        return query(con, "select * from incidents.incident_hours order by all")
