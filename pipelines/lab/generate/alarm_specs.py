"""Which alarms each incident raises, in X.733 terms, plus the background of harmless alarms.

An incident raises one root alarm (``isRootCause``) on the resource that failed and symptom
alarms on the resources that lost service because of it, each pointing at the root. Probable
causes are X.733 / M.3100 names (RFC 3877 spelling). Power loss escalates from major to
critical when the batteries run out; overloads escalate when they worsen. Silent degradations
(sleeping cells, chronic congestion) raise nothing. Noise alarms (door open, high temperature,
threshold warnings) are minor or warnings, not service-affecting, and clear themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .clock import Clock
from .faults import Incident
from .network import NetworkIndex


@dataclass(frozen=True)
class AlarmSpec:
    resource: int
    raised_s: float
    cleared_s: float
    alarm_type: str
    probable_cause: str
    specific_problem: str
    severity: str
    service_affecting: bool = True
    root: bool = False
    parent: int | None = None  # position of the parent alarm within the same incident
    planned: bool = False
    escalation: tuple[float, str] | None = None
    incident: int | None = None


def _delay(rng, low=2.0, high=45.0) -> float:
    return float(rng.uniform(low, high))


def _symptoms(rng, incident: Incident, resources, start, alarm_type, cause, problem,
              severity, planned=False) -> list[AlarmSpec]:
    return [AlarmSpec(int(r), start + _delay(rng, 1, 30), incident.end_s + _delay(rng, 1, 60),
                      alarm_type, cause, problem, severity, parent=0, planned=planned)
            for r in resources]


def _root(rng, incident: Incident, alarm_type, cause, problem, severity, **extra) -> AlarmSpec:
    return AlarmSpec(incident.root, incident.start_s + _delay(rng),
                     incident.end_s + _delay(rng, 5, 120), alarm_type, cause, problem, severity,
                     root=True, **extra)


def _downstream(incident: Incident, skip: int) -> np.ndarray:
    affected = incident.affected()
    return affected[affected != skip]


def _outage_start(incident: Incident) -> float:
    outages = [e.start_s for e in incident.effects if e.kind == "outage"]
    return min(outages) if outages else incident.start_s


def incident_alarms(incident: Incident, net: NetworkIndex, rng: np.random.Generator
                    ) -> list[AlarmSpec]:
    """The alarms one incident raises, root first."""
    kind, variant, root = incident.kind, incident.variant, incident.root
    comm, equip = "communicationsAlarm", "equipmentAlarm"
    if kind == "fibre_cut" and variant == "pon_feeder":
        return [_root(rng, incident, comm, "lossOfSignal", "PON LOS: all ONUs lost", "critical"),
                *_symptoms(rng, incident, _downstream(incident, root), incident.start_s, comm,
                           "lossOfSignal", "PON LOS: all ONUs lost", "critical")]
    if kind == "fibre_cut":
        return [_root(rng, incident, comm, "lossOfSignal", "Backhaul fibre LOS", "critical"),
                *_cell_site_symptoms(rng, incident, net, incident.start_s)]
    if kind == "equipment_failure":
        cause, problem = (("lineCardProblem", "GPON line card failed") if variant == "line_card"
                          else ("equipmentMalfunction", "OLT main control board failure"))
        return [_root(rng, incident, equip, cause, problem, "critical"),
                *_symptoms(rng, incident, _downstream(incident, root), incident.start_s, comm,
                           "lossOfSignal", "PON LOS: all ONUs lost", "critical")]
    if kind == "power_loss":
        return _power_loss(rng, incident, net)
    if kind == "transport_degradation":
        return _transport_degradation(rng, incident, net)
    if kind == "bng_overload":
        failure = incident.effects[0].failure
        escalation = (incident.start_s + 1800, "critical") if failure > 0.3 else None
        return [_root(rng, incident, "qualityOfServiceAlarm", "systemResourcesOverload",
                      "Subscriber session setup rate above limit", "major",
                      escalation=escalation)]
    if kind == "dns_outage":
        return _dns_outage(rng, incident, net)
    if kind == "planned_maintenance":
        return [_root(rng, incident, comm, "communicationsSubsystemFailure",
                      "NE unreachable: planned software upgrade", "critical", planned=True),
                *_symptoms(rng, incident, _downstream(incident, root), incident.start_s, comm,
                           "underlyingResourceUnavailable", "Out of service: parent NE in "
                           "maintenance", "major", planned=True)]
    if kind == "redundant_link_failure":
        olt = net.children[root][0]
        return [_root(rng, incident, comm, "lossOfSignal",
                      "Uplink LOS, traffic switched to protecting link", "critical"),
                AlarmSpec(olt, incident.start_s + _delay(rng, 1, 20),
                          incident.end_s + _delay(rng, 1, 60), equip, "lossOfRedundancy",
                          "Uplink protection lost", "major", service_affecting=False, parent=0)]
    if kind == "flapping":
        return _flapping(rng, incident)
    return []


def _cell_site_symptoms(rng, incident: Incident, net: NetworkIndex, start: float):
    specs = []
    for r in _downstream(incident, incident.root):
        if net.types[r] == "site":
            specs += _symptoms(rng, incident, [r], start, "communicationsAlarm",
                               "communicationsSubsystemFailure", "Site unreachable", "critical")
        else:
            specs += _symptoms(rng, incident, [r], start, "communicationsAlarm",
                               "underlyingResourceUnavailable", "Cell out of service: S1 down",
                               "critical")
    return specs


def _power_loss(rng, incident: Incident, net: NetworkIndex) -> list[AlarmSpec]:
    depleted = incident.phases["battery_depleted"]
    escalation = (depleted, "critical") if depleted < incident.end_s else None
    root = _root(rng, incident, "environmentalAlarm", "commercialPowerFailure",
                 "Mains power failure, running on batteries", "major", escalation=escalation)
    cells = [r for r in net.children[incident.root] if net.types[r] == "cell"]
    if escalation is None:
        return [root]
    return [root, *_symptoms(rng, incident, cells, depleted, "communicationsAlarm",
                             "underlyingResourceUnavailable", "Cell out of service: no power",
                             "critical")]


def _transport_degradation(rng, incident: Incident, net: NetworkIndex) -> list[AlarmSpec]:
    effect = incident.effects[0]
    midpoint = (incident.start_s + incident.end_s) / 2
    escalation = (midpoint, "critical") if effect.loss_pct > 4 else None
    cells = [r for r in _downstream(incident, incident.root) if net.types[r] == "cell"]
    return [_root(rng, incident, "communicationsAlarm", "degradedSignal",
                  "Backhaul errored seconds above threshold", "major", escalation=escalation),
            *_symptoms(rng, incident, cells, incident.start_s + 300, "qualityOfServiceAlarm",
                       "performanceDegraded", "Packet loss above threshold", "minor")]


def _dns_outage(rng, incident: Incident, net: NetworkIndex) -> list[AlarmSpec]:
    down = incident.effects[0].resources
    root = _root(rng, incident, "processingErrorAlarm", "softwareProgramAbnormallyTerminated",
                 "Resolver process crashed, anycast route withdrawn", "critical")
    if incident.variant == "absorbed":
        return [root]
    others = _symptoms(rng, incident, [r for r in down if r != incident.root], incident.start_s,
                       "processingErrorAlarm", "softwareProgramAbnormallyTerminated",
                       "Resolver process crashed, anycast route withdrawn", "critical")
    survivors = _symptoms(rng, incident, incident.effects[1].resources, incident.start_s + 120,
                          "qualityOfServiceAlarm", "excessiveResponseTime",
                          "Query response time above threshold", "major")
    return [root, *others, *survivors]


def _flapping(rng, incident: Incident) -> list[AlarmSpec]:
    specs = []
    for k, effect in enumerate(incident.effects):
        specs.append(AlarmSpec(incident.root, effect.start_s + _delay(rng, 0.5, 3),
                               effect.end_s + _delay(rng, 0.5, 3), "communicationsAlarm",
                               "lossOfSignal", f"Link flapping: LOS transition {k + 1}", "major",
                               root=k == 0, parent=None if k == 0 else 0))
    return specs


NOISE_RATE_PER_DAY = {"site": 0.12, "olt": 0.06, "cell": 0.025, "transport_link": 0.015,
                      "pon_port": 0.005, "agg_router": 0.15, "core_router": 0.15, "bng": 0.15,
                      "dns_resolver": 0.15, "ims_core": 0.15, "iptv_headend": 0.15}
NOISE_KINDS = {
    "site": (("environmentalAlarm", "enclosureDoorOpen", "Cabinet door open", "warning"),
             ("environmentalAlarm", "highTemperature", "Shelter temperature high", "minor"),
             ("environmentalAlarm", "rectifierFailure", "Rectifier module 2 failed", "minor")),
    "olt": (("environmentalAlarm", "highTemperature", "Chassis temperature high", "minor"),
            ("environmentalAlarm", "coolingFanFailure", "Fan tray speed low", "minor"),
            ("equipmentAlarm", "powerSupplyFailure", "PSU B failed, PSU A active", "minor")),
    "cell": (("qualityOfServiceAlarm", "thresholdCrossed", "VSWR above threshold", "warning"),
             ("equipmentAlarm", "timingProblem", "GNSS sync degraded, holdover", "minor")),
    "transport_link": (("communicationsAlarm", "transmissionError",
                        "FEC corrected errors above threshold", "warning"),),
    "pon_port": (("qualityOfServiceAlarm", "thresholdCrossed", "ONU rx power low", "warning"),),
}
PLATFORM_NOISE = (("environmentalAlarm", "highTemperature", "Inlet temperature high", "minor"),
                  ("processingErrorAlarm", "storageCapacityProblem", "Log partition 85 % full",
                   "warning"))


def noise_alarms(net: NetworkIndex, clock: Clock, rng: np.random.Generator) -> list[AlarmSpec]:
    """Background alarms that need no action and clear themselves."""
    specs = []
    for kind, rate in NOISE_RATE_PER_DAY.items():
        pool = net.of_type(kind)
        count = int(rng.poisson(rate * pool.size * clock.days)) if pool.size else 0
        options = NOISE_KINDS.get(kind, PLATFORM_NOISE)
        for r, start, minutes, pick in zip(
                rng.choice(pool, count) if count else [], rng.uniform(0, clock.days * 86400, count),
                np.clip(rng.lognormal(np.log(40), 1.0, count), 3, 480), rng.integers(
                    0, len(options), count), strict=True):
            alarm_type, cause, problem, severity = options[pick]
            specs.append(AlarmSpec(int(r), float(start), float(start + minutes * 60),
                                   alarm_type, cause, problem, severity,
                                   service_affecting=False))
    return sorted(specs, key=lambda s: (s.raised_s, s.resource))
