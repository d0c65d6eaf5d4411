"""Alarm episodes as TMF642 (Alarm Management v4) ``Alarm`` resources, shaped after the v4
definitions in ``../shared/standards/tmf/TMF642_AlarmManagement/`` (pure functions over rows).

An *episode* (``incidents.episodes``) is one alarm as a fault manager keeps it: the raise of a
problem on one resource, its changes and repeats folded together (a flapping alarm is one
episode with many raises), and its clear. Its id is the id of its first raise.

* ``perceivedSeverity``: the episode's worst severity (X.733: critical, major, minor, warning,
  indeterminate); ``state``: ``raised`` while it has no clear, else ``cleared``;
* ``ackState``: ``acknowledged`` once somebody acknowledged an incident the alarm belongs to in
  the incident workflow (:mod:`cxbridge.platform.workflow`), else ``unacknowledged``;
* ``alarmedObject``: the resource (its type in ``alarmedObjectType``); ``isRootCause``: the
  alarm is the root of its incident; ``parentAlarm``: a symptom's root alarm;
* ``plannedOutageIndicator``: ``OutOfService`` during planned work, else ``InService``.

The v4 swagger types ``Alarm.id`` as an integer, which no other TMF resource does (v5 and every
``*Ref`` use strings, and ``href`` paths carry the id): ids here are strings.
"""

from __future__ import annotations

from datetime import datetime

BASE = "/tmf-api/alarmManagement/v4/alarm"
RESOURCE_BASE = "/tmf-api/resourceInventory/v4/resource"
SEVERITIES: dict[int, str] = {5: "critical", 4: "major", 3: "minor", 2: "warning",
                              1: "indeterminate"}
SEVERITY_RANKS: dict[str, int] = {name: rank for rank, name in SEVERITIES.items()}
STATES = ("raised", "cleared")
ACK_STATES = ("acknowledged", "unacknowledged")
SYSTEM = "cxbridge"


def iso(value: datetime | None) -> str | None:
    """A naive UTC timestamp as TMF writes it (``2026-10-08T10:37:19Z``)."""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value is not None else None


def severity_of(rank: int | None) -> str:
    """The X.733 severity name of a rank (5 critical … 1 indeterminate; unknown: indeterminate)."""
    return SEVERITIES.get(int(rank or 0), "indeterminate")


def alarm_href(alarm_id: str) -> str:
    return f"{BASE}/{alarm_id}"


def alarm(episode: dict, acknowledged: dict | None = None) -> dict:
    """One Alarm from an episode row (``episode_id``, ``resource_id``, ``resource_type``,
    ``probable_cause``, ``alarm_type``, ``specific_problem``, ``started_at``, ``ended_at``,
    ``n_alarms``, ``flapping``, ``service_affecting``, ``planned``, ``severity_rank``, and
    the incident it belongs to: ``incident_id``, ``role``, ``root_episode_id``; columns a
    snapshot lacks may be absent). ``acknowledged``: the workflow's acknowledgement of that
    incident (``acknowledged_at``, ``acknowledged_by``), None when nobody acknowledged it."""
    alarm_id = episode["episode_id"]
    cleared = episode.get("ended_at")
    out: dict = {
        "id": alarm_id,
        "href": alarm_href(alarm_id),
        "@type": "Alarm",
        "state": "cleared" if cleared is not None else "raised",
        "perceivedSeverity": severity_of(episode.get("severity_rank")),
        "probableCause": episode.get("probable_cause") or "unknown",
        "alarmRaisedTime": iso(episode.get("started_at")),
        "alarmReportingTime": iso(episode.get("started_at")),
        "alarmedObjectType": episode.get("resource_type") or "resource",
        "alarmedObject": {"id": episode["resource_id"],
                          "href": f"{RESOURCE_BASE}/{episode['resource_id']}",
                          "@type": "AlarmedObject", "@referredType": "Resource"},
        "serviceAffecting": bool(episode.get("service_affecting")),
        "isRootCause": episode.get("role") == "root" or (
            episode.get("incident_id") is None and bool(episode.get("root_hint"))),
        "plannedOutageIndicator": "OutOfService" if episode.get("planned") else "InService",
        "reportingSystemId": SYSTEM,
        "ackState": "acknowledged" if acknowledged else "unacknowledged",
        "alarmDetails": _details(episode),
    }
    if episode.get("alarm_type"):
        out["alarmType"] = episode["alarm_type"]
    if episode.get("specific_problem"):
        out["specificProblem"] = episode["specific_problem"]
    if cleared is not None:
        out["alarmClearedTime"] = iso(cleared)
        out["alarmChangedTime"] = iso(cleared)
        out["clearSystemId"] = SYSTEM
    if acknowledged:
        out["ackSystemId"] = SYSTEM
        out["ackUserId"] = acknowledged.get("acknowledged_by") or "unknown"
    root = episode.get("root_episode_id")
    if root and root != alarm_id and episode.get("role") != "root":
        out["parentAlarm"] = [{"id": root, "href": alarm_href(root), "@type": "AlarmRef",
                               "@referredType": "Alarm"}]
    return out


def _details(episode: dict) -> str:
    raises = int(episode.get("n_alarms") or 1)
    parts = [f"{raises} raise{'s' if raises != 1 else ''} folded into this alarm"]
    if episode.get("flapping"):
        parts.append("flapping")
    if episode.get("incident_id"):
        parts.append(f"{episode.get('role') or 'member'} of service problem "
                     f"{episode['incident_id']}")
    return "; ".join(parts)
