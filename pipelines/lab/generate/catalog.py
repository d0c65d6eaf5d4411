"""The service catalog: which resource-facing services each customer-facing service is built from.

This is the meet-in-the-middle between marketing (who sell CFS) and operations (who run RFS on
resources). Redundancy is what decides whether a failed resource hurts customers: GPON access
and the BNG are single points of failure, the IMS core is a 1+1 pair, the DNS anycast pool is
n-of-m, and a gold enterprise VPN is dual-homed to two aggregation routers.
"""

from __future__ import annotations

from dataclasses import dataclass

CFS_TYPES = ("ftth", "iptv", "mobile_data", "mobile_voice", "enterprise_vpn")


@dataclass(frozen=True)
class RfsSpec:
    id: str
    name: str
    resource_types: tuple[str, ...]
    redundancy: str  # "none", "1+1" or "n-of-m"
    min_up: int | None = None
    shared: bool = False  # one instance serves many CFS (BNG, DNS, IMS, IPTV, transport)


@dataclass(frozen=True)
class CfsRequirement:
    rfs_id: str
    sla_tiers: tuple[str, ...] | None = None  # only for these enterprise SLA tiers


@dataclass(frozen=True)
class CfsSpec:
    id: str
    name: str
    cfs_type: str
    requires: tuple[CfsRequirement, ...]


DNS_POOL_MIN_UP = 2

RFS_SPECS: tuple[RfsSpec, ...] = (
    RfsSpec("rfs-gpon-access", "GPON Access", ("pon_port",), "none"),
    RfsSpec("rfs-radio-access", "Radio Access", ("cell",), "none"),
    RfsSpec("rfs-ip-transport", "IP Transport", ("agg_router",), "none", shared=True),
    RfsSpec("rfs-bng-session", "BNG Subscriber Session", ("bng",), "none", shared=True),
    RfsSpec("rfs-dns", "DNS Resolution", ("dns_resolver",), "n-of-m", DNS_POOL_MIN_UP,
            shared=True),
    RfsSpec("rfs-ims-voice", "IMS Voice Core", ("ims_core",), "1+1", shared=True),
    RfsSpec("rfs-iptv-platform", "IPTV Platform", ("iptv_headend",), "none", shared=True),
    RfsSpec("rfs-vpn-pe", "VPN Provider Edge", ("agg_router",), "none"),
    RfsSpec("rfs-vpn-pe-protected", "VPN Provider Edge, dual-homed", ("agg_router",), "1+1"),
)

CFS_SPECS: tuple[CfsSpec, ...] = (
    CfsSpec("cfs-ftth", "FTTH Broadband", "ftth", (
        CfsRequirement("rfs-gpon-access"), CfsRequirement("rfs-ip-transport"),
        CfsRequirement("rfs-bng-session"), CfsRequirement("rfs-dns"))),
    CfsSpec("cfs-iptv", "IPTV", "iptv", (
        CfsRequirement("rfs-gpon-access"), CfsRequirement("rfs-iptv-platform"))),
    CfsSpec("cfs-mobile-data", "Mobile Data", "mobile_data", (
        CfsRequirement("rfs-radio-access"), CfsRequirement("rfs-ip-transport"),
        CfsRequirement("rfs-dns"))),
    CfsSpec("cfs-mobile-voice", "Mobile Voice", "mobile_voice", (
        CfsRequirement("rfs-radio-access"), CfsRequirement("rfs-ims-voice"))),
    CfsSpec("cfs-enterprise-vpn", "Enterprise VPN", "enterprise_vpn", (
        CfsRequirement("rfs-gpon-access"),
        CfsRequirement("rfs-vpn-pe", ("silver", "bronze")),
        CfsRequirement("rfs-vpn-pe-protected", ("gold",)))),
)


def cfs_spec(cfs_type: str) -> CfsSpec:
    for spec in CFS_SPECS:
        if spec.cfs_type == cfs_type:
            return spec
    raise KeyError(f"no CFS specification for type {cfs_type!r}; known: {CFS_TYPES}")


def rfs_spec(rfs_id: str) -> RfsSpec:
    for spec in RFS_SPECS:
        if spec.id == rfs_id:
            return spec
    raise KeyError(f"no RFS specification {rfs_id!r}")


def _redundancy_document(spec: RfsSpec) -> dict:
    if spec.redundancy == "n-of-m":
        return {"mode": "n-of-m", "minUp": spec.min_up}
    return {"mode": spec.redundancy}


def catalog_document() -> dict:
    """The catalog as the TMF633-like YAML document of the raw layout contract."""
    entries: list[dict] = []
    for cfs in CFS_SPECS:
        relationships = []
        for req in cfs.requires:
            rel = {"id": req.rfs_id, "relationshipType": "requires"}
            if req.sla_tiers:
                rel["slaTiers"] = list(req.sla_tiers)
            relationships.append(rel)
        entries.append({"id": cfs.id, "name": cfs.name, "version": "1.0",
                        "@type": "CustomerFacingServiceSpecification", "cfsType": cfs.cfs_type,
                        "lifecycleStatus": "active", "serviceSpecRelationship": relationships})
    for rfs in RFS_SPECS:
        entries.append({"id": rfs.id, "name": rfs.name, "version": "1.0",
                        "@type": "ResourceFacingServiceSpecification",
                        "lifecycleStatus": "active",
                        "resourceSpecification": [{"resourceType": t} for t in rfs.resource_types],
                        "redundancy": _redundancy_document(rfs)})
    return {"serviceSpecification": entries}
