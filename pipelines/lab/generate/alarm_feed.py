"""Alarm specs as a TMF642 notification feed, with the imperfections of a real one.

Each alarm becomes an ``AlarmCreateEvent``, an ``AlarmAttributeValueChangeEvent`` when its
severity escalates, and an ``AlarmStateChangeEvent`` when it clears. The mobile-backhaul EMS
(``EMS-MBH``) speaks the MEF variant: ``alarmedObject`` is a list, ``parentAlarm`` one object.
Like real feeds: ~3 % of clears never arrive, ~1 % of events are sent twice, and ~2 % are
reported hours late, so they land out of order, possibly in the next day's file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cxbridge.platform.ingest.sources.alarms import TMF642_EVENTS

from .alarm_specs import AlarmSpec, incident_alarms, noise_alarms
from .clock import DAY_S, Clock
from .config import Component, component_rng
from .network import NetworkIndex

MISSING_CLEAR_RATE, DUPLICATE_RATE, LATE_RATE = 0.03, 0.01, 0.02
MEF_SOURCE = "EMS-MBH"


@dataclass(frozen=True)
class FeedEvent:
    reported_s: float
    event: dict
    duplicate: bool = False


def source_system(net: NetworkIndex, resource: int, vendor: str) -> str:
    kind, rid = net.types[resource], str(net.ids[resource])
    if rid.startswith("TL-SITE-"):
        return MEF_SOURCE
    return {"pon_port": f"EMS-GPON-{vendor}", "olt": f"EMS-GPON-{vendor}",
            "cell": f"EMS-RAN-{vendor}", "site": f"EMS-RAN-{vendor}", "bng": "EMS-BNG",
            "dns_resolver": "EMS-DNS", "ims_core": "EMS-IMS",
            "iptv_headend": "EMS-IPTV"}.get(kind, "EMS-IP")


def _alarm_body(spec: AlarmSpec, alarm_id: str, parent_id: str | None, net: NetworkIndex,
                vendor: str, clock: Clock) -> dict:
    source = source_system(net, spec.resource, vendor)
    obj = {"id": str(net.ids[spec.resource]), "@referredType": str(net.types[spec.resource])}
    mef = source == MEF_SOURCE
    if mef:
        parent = {"id": parent_id} if parent_id else None
    else:
        parent = [{"id": parent_id}] if parent_id else []
    raised = clock.iso(spec.raised_s)
    return {
        "id": alarm_id, "href": f"/alarmManagement/v4/alarm/{alarm_id}",
        "externalAlarmId": f"{source}:{alarm_id[4:]}", "alarmType": spec.alarm_type,
        "perceivedSeverity": spec.severity, "probableCause": spec.probable_cause,
        "specificProblem": spec.specific_problem,
        "alarmedObject": [obj] if mef else obj, "alarmedObjectType": obj["@referredType"],
        "sourceSystemId": source, "state": "raised", "alarmRaisedTime": raised,
        "alarmChangedTime": raised, "alarmReportingTime": raised,
        "serviceAffecting": spec.service_affecting, "isRootCause": spec.root,
        "plannedOutageIndicator": "inPlannedMaintenance" if spec.planned else "inService",
        "parentAlarm": parent,
        "alarmDetails": f"{spec.specific_problem} on {obj['id']}",
    }


def _event(alarm: dict, event_type: str, at_s: float, reported_s: float, clock: Clock,
           **changes) -> FeedEvent:
    body = dict(alarm, alarmReportingTime=clock.iso(reported_s), **changes)
    return FeedEvent(reported_s, {"eventId": "", "eventTime": clock.iso(at_s),
                                  "eventType": event_type, "event": {"alarm": body}})


def alarm_events(spec: AlarmSpec, alarm_id: str, parent_id: str | None, net: NetworkIndex,
                 vendor: str, clock: Clock, rng: np.random.Generator) -> list[FeedEvent]:
    """Create, escalation and clear events of one alarm, with late reporting and lost clears."""
    alarm = _alarm_body(spec, alarm_id, parent_id, net, vendor, clock)

    def reported(at: float) -> float:
        late = rng.random() < LATE_RATE
        return at + (rng.uniform(3600, 8 * 3600) if late else rng.uniform(1, 20))

    events = [_event(alarm, TMF642_EVENTS["raised"], spec.raised_s, reported(spec.raised_s),
                     clock)]
    if spec.escalation and spec.raised_s < spec.escalation[0] < spec.cleared_s:
        at, severity = spec.escalation
        events.append(_event(alarm, TMF642_EVENTS["updated"], at, reported(at), clock,
                             state="updated", perceivedSeverity=severity,
                             alarmChangedTime=clock.iso(at)))
        alarm = dict(alarm, perceivedSeverity=severity, alarmChangedTime=clock.iso(at))
    if rng.random() >= MISSING_CLEAR_RATE:
        at = spec.cleared_s
        events.append(_event(alarm, TMF642_EVENTS["cleared"], at, reported(at), clock,
                             state="cleared", perceivedSeverity="cleared",
                             alarmChangedTime=clock.iso(at), alarmClearedTime=clock.iso(at)))
    return events


def number_and_bucket(events: list[FeedEvent], clock: Clock, rng: np.random.Generator
                      ) -> dict[int, list[FeedEvent]]:
    """Give events ids in time order, duplicate ~1 %, and group them by the UTC day they were
    reported on (files are written per reporting day; events reported after the window are
    not delivered)."""
    ordered = sorted(events, key=lambda e: (e.event["eventTime"], e.event["event"]["alarm"]["id"],
                                            e.event["eventType"]))
    by_day: dict[int, list[FeedEvent]] = {}
    for number, item in enumerate(ordered, start=1):
        item.event["eventId"] = f"EVT-{number:08d}"
        day = int(item.reported_s // DAY_S)
        if not 0 <= day < clock.days:
            continue
        copies = [item, FeedEvent(item.reported_s + rng.uniform(0, 5), item.event, True)] \
            if rng.random() < DUPLICATE_RATE else [item]
        by_day.setdefault(day, []).extend(copies)
    for day_events in by_day.values():
        day_events.sort(key=lambda e: (e.reported_s, e.event["eventId"], e.duplicate))
    return by_day


@dataclass(frozen=True)
class AlarmFeed:
    by_day: dict[int, list[FeedEvent]]
    alarms_per_incident: np.ndarray  # alarms each incident raised (delivered or not)

    @property
    def delivered_alarms(self) -> int:
        """Distinct alarms with at least one event in the files of the window."""
        return len({e.event["event"]["alarm"]["id"] for day in self.by_day.values()
                    for e in day})


def build_feed(incidents, net: NetworkIndex, vendors: np.ndarray, clock: Clock,
               seed: int) -> AlarmFeed:
    """Every alarm event of the window, numbered in time order and bucketed by file day."""
    rng = component_rng(seed, Component.ALARMS)
    specs: list[tuple[AlarmSpec, int | None, int]] = []
    for k, incident in enumerate(incidents):
        if incident.alarmed:
            specs += [(spec, k, pos)
                      for pos, spec in enumerate(incident_alarms(incident, net, rng))]
    noise = noise_alarms(net, clock, component_rng(seed, Component.NOISE_ALARMS))
    specs += [(spec, None, pos) for pos, spec in enumerate(noise)]
    order = sorted(range(len(specs)), key=lambda i: (specs[i][0].raised_s, i))
    alarm_id = {i: f"ALM-{number:08d}" for number, i in enumerate(order, start=1)}
    by_incident = {(k, pos): alarm_id[i] for i, (_, k, pos) in enumerate(specs)
                   if k is not None}
    quirks = component_rng(seed, Component.FEED_QUIRKS)
    events: list[FeedEvent] = []
    for i in order:
        spec, k, _ = specs[i]
        parent = by_incident[(k, spec.parent)] if spec.parent is not None else None
        events += alarm_events(spec, alarm_id[i], parent, net, str(vendors[spec.resource]),
                               clock, quirks)
    per_incident = np.bincount([k for _, k, _ in specs if k is not None],
                               minlength=len(incidents))
    return AlarmFeed(number_and_bucket(events, clock, quirks), per_incident)
