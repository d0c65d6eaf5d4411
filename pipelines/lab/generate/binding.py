"""Which resources carry each service.

Fixed lines (a household's FTTH + IPTV, an enterprise VPN site) are patched to a PON port of
their region, filling ports to their planned 20–28 lines; the port decides the BNG area and the
aggregation router. A SIM is served by one to three cells: a primary cell at its home site
(sites differ in popularity, which is what later loads some cells more than others), often a
second sector of the same site and sometimes a cell of a neighbouring site. The share of
traffic per cell is the SIM's usual split; daily usage records show where it actually went.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .topology import CELLS_PER_SITE, Topology

FIXED_TYPES = ("ftth", "iptv", "enterprise_vpn")
MOBILE_TYPES = ("mobile_voice", "mobile_data")


def _lines(services: pl.DataFrame, types: tuple[str, ...]) -> pl.DataFrame:
    return (services.filter(pl.col("cfs_type").is_in(types))
            .group_by("line_key").agg(pl.col("_region_code").first())
            .sort("line_key"))


def bind_fixed_lines(services: pl.DataFrame, topology: Topology,
                     rng: np.random.Generator) -> pl.DataFrame:
    """line_key → pon_port, bng_id, agg_id, filling each region's ports in plan order."""
    lines = _lines(services, FIXED_TYPES)
    parts = []
    for (code,), region_lines in lines.group_by(["_region_code"], maintain_order=True):
        plan = topology.pon_plan.filter(pl.col("region_code") == code)
        order = rng.permutation(region_lines.height)
        slot = np.searchsorted(np.cumsum(plan["planned_lines"].to_numpy()),
                               np.arange(region_lines.height), side="right")
        parts.append(region_lines[order].select("line_key").with_columns(
            plan.select(pon_port="resource_id", bng_id="bng_id", agg_id="agg_id")[slot]))
    return pl.concat(parts).sort("line_key")


def _site_table(topology: Topology) -> pl.DataFrame:
    """Every site with its region, position in the region and the aggregation router its
    backhaul lands on."""
    res = topology.resources
    sites = res.filter(pl.col("resource_type") == "site").select("resource_id")
    backhaul_agg = (topology.links.filter(pl.col("resource_id").str.starts_with("TL-SITE-"))
                    .select(site=pl.col("resource_id").str.slice(3), agg_id="depends_on_id"))
    return (sites.rename({"resource_id": "site"})
            .with_columns(region_code=pl.col("site").str.slice(5, 1))
            .join(backhaul_agg, on="site", how="left")
            .sort("site")
            .with_columns(site_no=pl.int_range(pl.len()).over("region_code")))


def bind_mobile_lines(services: pl.DataFrame, topology: Topology,
                      rng: np.random.Generator) -> pl.DataFrame:
    """line_key → cell_1..cell_3 with usual traffic shares w_1..w_3, and the transport agg."""
    lines = _lines(services, MOBILE_TYPES)
    sites = _site_table(topology)
    parts = []
    for (code,), region_lines in lines.group_by(["_region_code"], maintain_order=True):
        region_sites = sites.filter(pl.col("region_code") == code)
        parts.append(_serving_cells(region_lines, region_sites, rng))
    return pl.concat(parts).sort("line_key")


def _serving_cells(lines: pl.DataFrame, sites: pl.DataFrame,
                   rng: np.random.Generator) -> pl.DataFrame:
    n, n_sites = lines.height, sites.height
    popularity = rng.lognormal(0, 0.45, n_sites)
    home = rng.choice(n_sites, n, p=popularity / popularity.sum())
    first = rng.integers(1, CELLS_PER_SITE + 1, n)
    second = np.where(rng.random(n) < 0.6, (first % CELLS_PER_SITE) + 1, 0)
    neighbour = (home + np.where(rng.random(n) < 0.5, 1, -1)) % n_sites
    third = np.where((rng.random(n) < 0.35) & (n_sites > 1), rng.integers(1, 4, n), 0)
    w1 = rng.uniform(0.6, 0.9, n)
    rest = 1 - w1
    has2, has3 = second > 0, third > 0
    w2 = np.where(has2, np.where(has3, rest * 0.6, rest), 0.0)
    w3 = np.where(has3, np.where(has2, rest * 0.4, rest), 0.0)
    w1 = np.where(has2 | has3, w1, 1.0)
    site_ids = sites["site"].to_numpy()

    def cell(site_idx: np.ndarray, sector: np.ndarray) -> pl.Series:
        ids = pl.select(pl.concat_str(pl.lit("CELL-"), pl.Series(site_ids[site_idx]).str.slice(5),
                                      pl.lit("-"), pl.Series(sector).cast(pl.String))).to_series()
        return ids.set(pl.Series(sector == 0), None) if n else ids

    return lines.select("line_key").with_columns(
        cell_1=cell(home, first), cell_2=cell(home, second), cell_3=cell(neighbour, third),
        w_1=pl.Series(np.round(w1, 3)), w_2=pl.Series(np.round(w2, 3)),
        w_3=pl.Series(np.round(w3, 3)),
        agg_id=sites["agg_id"].gather(pl.Series(home)),
    )


def bind_services(services: pl.DataFrame, topology: Topology,
                  rng: np.random.Generator) -> pl.DataFrame:
    """Services with their access resources (``pon_port`` or ``cell_1..3`` with shares) and
    the shared platforms they lean on (``bng_id``, ``agg_id``, ``vpn_pe``)."""
    fixed = bind_fixed_lines(services, topology, rng)
    mobile = bind_mobile_lines(services, topology, rng)
    bound = (services
             .join(fixed, on="line_key", how="left")
             .join(mobile, on="line_key", how="left", suffix="_mobile")
             .with_columns(agg_id=pl.coalesce("agg_id", "agg_id_mobile"))
             .drop("agg_id_mobile"))
    region_aggs = pl.concat_list(pl.format("AGG-{}01", "_region_code"),
                                 pl.format("AGG-{}02", "_region_code"))
    return bound.with_columns(
        bng_id=pl.when(pl.col("cfs_type") == "ftth").then("bng_id"),
        vpn_pe=pl.when(pl.col("sla_tier") == "gold").then(region_aggs)
        .when(pl.col("cfs_type") == "enterprise_vpn").then(pl.concat_list("agg_id")),
    ).sort("service_id")
