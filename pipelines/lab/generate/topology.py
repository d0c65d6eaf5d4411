"""The physical and logical network, sized to the customer base.

Per region: two aggregation routers dual-homed to the two core routers; BNG areas of up to
~15,000 FTTH lines; OLTs of 16 PON ports, each port planned for 20–28 lines (of the 32 a GPON
split allows), each OLT with a 1+1 protected pair of uplinks to the two aggregation routers; one
radio site per ~600 customers (three cells each) on a single, unprotected backhaul link.
Nationally: an anycast DNS pool (n-of-m), an IMS core pair and an IPTV headend.

Edges in ``links`` point from the resource that needs to its parent; parents sharing a
``protection_group`` are alternatives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from .geography import NATIONAL, REGIONS, Region

PORTS_PER_OLT = 16
LINES_PER_BNG = 15_000
CUSTOMERS_PER_SITE = 600
CELLS_PER_SITE = 3
DNS_RESOLVERS = 3
CAPACITY_MBPS = {"core_router": 400_000, "agg_router": 100_000, "bng": 200_000,
                 "dns_resolver": 10_000, "ims_core": 10_000, "iptv_headend": 40_000,
                 "olt": 20_000, "pon_port": 2_488, "olt_uplink": 10_000}
RESOURCE_COLUMNS = ("resource_id", "resource_type", "name", "region", "vendor", "site_id",
                    "capacity_mbps", "latitude", "longitude")


@dataclass(frozen=True)
class Topology:
    """The network: resources (sorted by id), dependency edges, and the planned PON fill."""

    resources: pl.DataFrame
    links: pl.DataFrame
    pon_plan: pl.DataFrame  # resource_id, region_code, bng_id, agg_id, planned_lines


def _rows(ids, kind, names, region: Region | None, site_ids, capacity, lat, lon) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame({
        "resource_id": list(ids), "resource_type": [kind] * n, "name": list(names),
        "region": [region.name if region else NATIONAL] * n,
        "vendor": [region.vendor if region else "A"] * n,
        "site_id": list(site_ids) if site_ids is not None else [None] * n,
        "capacity_mbps": np.broadcast_to(np.asarray(capacity, dtype=float), (n,)).copy(),
        "latitude": np.round(np.broadcast_to(lat, (n,)), 5),
        "longitude": np.round(np.broadcast_to(lon, (n,)), 5),
    }, schema_overrides={"site_id": pl.String})


def _edges(children, parents, group=None) -> pl.DataFrame:
    n = len(children)
    groups = list(group) if group is not None else [None] * n
    return pl.DataFrame({"resource_id": list(children), "depends_on_id": list(parents),
                         "protection_group": groups}, schema_overrides={"protection_group":
                                                                        pl.String})


def _locations(rng, region: Region, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Towns (weighted by population) with a few kilometres of scatter."""
    weights = np.array([c.weight for c in region.cities])
    idx = rng.choice(len(region.cities), n, p=weights / weights.sum())
    lat = np.array([c.latitude for c in region.cities])[idx] + rng.normal(0, 0.03, n)
    lon = np.array([c.longitude for c in region.cities])[idx] + rng.normal(0, 0.04, n)
    return lat, lon, np.array([c.name for c in region.cities])[idx]


def _national(rng) -> tuple[list[pl.DataFrame], list[pl.DataFrame]]:
    dublin, cork = REGIONS[0].cities[0], next(r for r in REGIONS if r.code == "M").cities[0]
    cores = _rows(["CORE-01", "CORE-02"], "core_router", ["Core router Dublin", "Core router Cork"],
                  None, None, CAPACITY_MBPS["core_router"], np.array([dublin.latitude,
                                                                      cork.latitude]),
                  np.array([dublin.longitude, cork.longitude]))
    cores = cores.with_columns(region=pl.Series(["Dublin", "Munster"]))
    dns = [f"DNS-{i:02d}" for i in range(1, DNS_RESOLVERS + 1)]
    platforms = [
        _rows(dns, "dns_resolver", [f"Anycast DNS resolver {i}" for i in range(1, 4)], None,
              None, CAPACITY_MBPS["dns_resolver"], dublin.latitude, dublin.longitude),
        _rows(["IMS-01", "IMS-02"], "ims_core", ["IMS core A", "IMS core B"], None, None,
              CAPACITY_MBPS["ims_core"], dublin.latitude, dublin.longitude),
        _rows(["IPTV-HE-01"], "iptv_headend", ["IPTV headend"], None, None,
              CAPACITY_MBPS["iptv_headend"], dublin.latitude, dublin.longitude),
    ]
    edges = [
        _edges(dns, ["CORE-01", "CORE-02", "CORE-01"][:len(dns)]),
        _edges(["IMS-01", "IMS-02"], ["CORE-01", "CORE-02"]),
        _edges(["IPTV-HE-01", "IPTV-HE-01"], ["CORE-01", "CORE-02"], ["PG-IPTV-CORE"] * 2),
    ]
    return [cores, *platforms], edges


def _aggregation(region: Region, lat, lon) -> tuple[pl.DataFrame, pl.DataFrame]:
    aggs = [f"AGG-{region.code}01", f"AGG-{region.code}02"]
    rows = _rows(aggs, "agg_router", [f"Aggregation router {region.name} {i}" for i in (1, 2)],
                 region, None, CAPACITY_MBPS["agg_router"], lat, lon)
    edges = _edges([a for a in aggs for _ in range(2)], ["CORE-01", "CORE-02"] * 2,
                   [f"PG-{a}-CORE" for a in aggs for _ in range(2)])
    return rows, edges


def _port_fills(rng, lines: int) -> np.ndarray:
    """Planned lines per PON port: 20–28 each, the last port takes the remainder."""
    if lines <= 0:
        return np.zeros(0, dtype=np.int64)
    draws = rng.integers(20, 29, size=lines // 20 + 1)
    cum = np.cumsum(draws)
    ports = int(np.searchsorted(cum, lines) + 1)
    fills = draws[:ports].copy()
    fills[-1] = lines - (cum[ports - 2] if ports > 1 else 0)
    return fills


def _fixed_access(rng, region: Region, lines: int) -> tuple[list, list, pl.DataFrame]:
    """BNGs, OLTs with protected uplinks, and PON ports for a region's fixed lines."""
    fills = _port_fills(rng, lines)
    n_olts = max(1, math.ceil(fills.size / PORTS_PER_OLT))
    n_bngs = max(1, math.ceil(lines / LINES_PER_BNG))
    code = region.code
    bngs = [f"BNG-{code}{b:02d}" for b in range(1, n_bngs + 1)]
    bng_of_olt = np.arange(n_olts) % n_bngs
    olt_no = np.arange(n_olts) // n_bngs + 1
    olts = [f"OLT-{code}{b + 1:02d}-{k:03d}" for b, k in zip(bng_of_olt, olt_no, strict=True)]
    lat, lon, town = _locations(rng, region, n_olts)
    uplinks = [f"TL-{o[4:]}-{side}" for o in olts for side in "AB"]
    agg = [f"AGG-{code}01", f"AGG-{code}02"]
    port_olt = np.arange(fills.size) // PORTS_PER_OLT
    port_no = np.arange(fills.size) % PORTS_PER_OLT + 1
    ports = [f"PON-{olts[o][4:]}-{p:02d}" for o, p in zip(port_olt, port_no, strict=True)]
    rows = [
        _rows(bngs, "bng", [f"BNG {region.name} {b}" for b in range(1, n_bngs + 1)], region,
              None, CAPACITY_MBPS["bng"], lat[0], lon[0]),
        _rows(olts, "olt", [f"OLT {t} {o[4:]}" for t, o in zip(town, olts, strict=True)],
              region, None, CAPACITY_MBPS["olt"], lat, lon),
        _rows(uplinks, "transport_link", [f"OLT uplink {u[3:]}" for u in uplinks], region, None,
              CAPACITY_MBPS["olt_uplink"], np.repeat(lat, 2), np.repeat(lon, 2)),
        _rows(ports, "pon_port", [f"PON port {p[4:]}" for p in ports], region, None,
              CAPACITY_MBPS["pon_port"], lat[port_olt], lon[port_olt]),
    ]
    edges = [
        _edges(bngs, [agg[b % 2] for b in range(n_bngs)]),
        _edges(np.repeat(olts, 2), uplinks, [f"PG-{o}-UPLINK" for o in olts for _ in "AB"]),
        _edges(uplinks, agg * n_olts),
        _edges(ports, [olts[o] for o in port_olt]),
    ]
    plan = pl.DataFrame({"resource_id": ports, "region_code": [code] * len(ports),
                         "bng_id": [bngs[bng_of_olt[o]] for o in port_olt],
                         "agg_id": [agg[bng_of_olt[o] % 2] for o in port_olt],
                         "planned_lines": fills}, schema_overrides={"planned_lines": pl.Int64})
    return rows, edges, plan


def _radio_access(rng, region: Region, customers: int) -> tuple[list, list]:
    """Sites (one per ~600 customers) of three cells each, on unprotected backhaul."""
    n_sites = max(1, round(customers / CUSTOMERS_PER_SITE))
    code = region.code
    sites = [f"SITE-{code}-{s:04d}" for s in range(1, n_sites + 1)]
    lat, lon, town = _locations(rng, region, n_sites)
    backhaul = [f"TL-{s}" for s in sites]
    cells = [f"CELL-{s[5:]}-{c}" for s in sites for c in range(1, CELLS_PER_SITE + 1)]
    capacity = np.where(region.rurality > 0.6, 1_000, 10_000)
    rows = [
        _rows(sites, "site", [f"Site {t} {s[5:]}" for t, s in zip(town, sites, strict=True)],
              region, sites, capacity, lat, lon),
        _rows(backhaul, "transport_link", [f"Backhaul {s}" for s in sites], region, None,
              capacity, lat, lon),
        _rows(cells, "cell", [f"Cell {c[5:]}" for c in cells], region,
              np.repeat(sites, CELLS_PER_SITE), 0.0, np.repeat(lat, CELLS_PER_SITE),
              np.repeat(lon, CELLS_PER_SITE)),
    ]
    edges = [
        _edges(sites, backhaul),
        _edges(backhaul, [f"AGG-{code}0{1 + s % 2}" for s in range(n_sites)]),
        _edges(cells, np.repeat(sites, CELLS_PER_SITE)),
    ]
    return rows, edges


def build_topology(fixed_lines: dict[str, int], customers: dict[str, int],
                   rng: np.random.Generator) -> Topology:
    """The network for the given fixed lines and customers per region code.

    Cell capacities are 0 here; :func:`network_load.plan_cell_capacity` sets them from demand.
    """
    rows, edges = _national(rng)
    plans = []
    for region in REGIONS:
        lat, lon, _ = _locations(rng, region, 1)
        agg_rows, agg_edges = _aggregation(region, lat[0], lon[0])
        fixed_rows, fixed_edges, plan = _fixed_access(rng, region, fixed_lines.get(region.code, 0))
        radio_rows, radio_edges = _radio_access(rng, region, customers.get(region.code, 0))
        rows += [agg_rows, *fixed_rows, *radio_rows]
        edges += [agg_edges, *fixed_edges, *radio_edges]
        plans.append(plan)
    resources = pl.concat(rows).select(RESOURCE_COLUMNS).sort("resource_id")
    links = pl.concat(edges).sort("resource_id", "depends_on_id")
    return Topology(resources=resources, links=links, pon_plan=pl.concat(plans))
