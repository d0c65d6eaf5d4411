"""What each service depends on, as redundancy groups of resources ("anchors").

A service is as good as the worst of its anchor groups, and a group is as good as its
redundancy allows: a single resource (PON port, BNG, aggregation router, IPTV headend), a 1+1
pair that fails only when both members fail (IMS core, a gold VPN's two PE routers), an n-of-m
pool that degrades when fewer than ``min_up`` members are up (DNS anycast), or the weighted
cells a SIM is served by (out only when all are out, degraded in proportion to the traffic share
on bad cells). This mirrors the catalog's redundancy for every RFS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from .catalog import DNS_POOL_MIN_UP
from .network import NetworkIndex

SINGLE, ALL_MUST_FAIL, N_OF_M, WEIGHTED = 0, 1, 2, 3
MAX_MEMBERS, MAX_GROUPS = 3, 4


@dataclass(frozen=True)
class AnchorGroups:
    members: np.ndarray  # (groups, 3) resource indices, -1 = none
    weights: np.ndarray  # (groups, 3) traffic shares (weighted groups)
    mode: np.ndarray  # (groups,)
    min_up: np.ndarray  # (groups,)
    of_service: np.ndarray  # (services, 4) group ids, -1 = none
    membership: pl.DataFrame  # row (service), gid: the same, in long form


def _service_keys(bound: pl.DataFrame) -> pl.DataFrame:
    """Long frame: service row, anchor slot, group key."""
    t = pl.col("cfs_type")
    pon, ran = pl.format("PON:{}", "pon_port"), pl.format("RAN:{}", "line_key")
    transport = pl.format("IPT:{}", "agg_id")
    keys = pl.concat_list(
        pl.when(t.is_in(["ftth", "iptv", "enterprise_vpn"])).then(pon).otherwise(ran),
        pl.when(t.is_in(["ftth", "mobile_data"])).then(transport)
        .when(t == "iptv").then(pl.lit("IPTV")).when(t == "mobile_voice").then(pl.lit("IMS"))
        .when(pl.col("sla_tier") == "gold").then(pl.format("PE2:{}", "_region_code"))
        .otherwise(transport),
        pl.when(t == "ftth").then(pl.format("BNG:{}", "bng_id"))
        .when(t == "mobile_data").then(pl.lit("DNS")),
        pl.when(t == "ftth").then(pl.lit("DNS")),
    )
    return (bound.select(row=pl.int_range(pl.len()), key=keys)
            .explode("key").with_columns(slot=pl.int_range(pl.len()).over("row"))
            .filter(pl.col("key").is_not_null()))


def _definitions(keys: pl.Series, bound: pl.DataFrame, net: NetworkIndex) -> tuple:
    n = keys.len()
    members = np.full((n, MAX_MEMBERS), -1, dtype=np.int64)
    weights = np.zeros((n, MAX_MEMBERS))
    mode = np.full(n, SINGLE, dtype=np.int8)
    min_up = np.ones(n, dtype=np.int64)
    parts = keys.str.split(":")
    kind = parts.list.get(0).to_numpy()
    target = parts.list.get(1, null_on_oob=True).to_numpy()
    single = np.isin(kind, ["PON", "IPT", "BNG"])
    members[single, 0] = net.index_of(target[single])
    weights[single, 0] = 1.0
    platforms = (("DNS", net.of_type("dns_resolver"), N_OF_M, DNS_POOL_MIN_UP),
                 ("IMS", net.of_type("ims_core"), ALL_MUST_FAIL, 1),
                 ("IPTV", net.of_type("iptv_headend"), SINGLE, 1))
    for key, pool, group_mode, need in platforms:
        sel = kind == key
        members[sel, :pool.size] = pool[:MAX_MEMBERS]
        mode[sel], min_up[sel] = group_mode, need
    pe = kind == "PE2"
    for i in np.flatnonzero(pe):
        members[i, :2] = net.index_of([f"AGG-{target[i]}01", f"AGG-{target[i]}02"])
    mode[pe] = ALL_MUST_FAIL
    _radio(keys, kind, bound, net, members, weights, mode)
    return members, weights, mode, min_up


def _radio(keys, kind, bound, net, members, weights, mode) -> None:
    ran = np.flatnonzero(kind == "RAN")
    lines = (bound.filter(pl.col("cell_1").is_not_null())
             .unique("line_key").select("line_key", "cell_1", "cell_2", "cell_3",
                                        "w_1", "w_2", "w_3"))
    wanted = pl.DataFrame({"line_key": keys.gather(ran).str.slice(4)}).join(
        lines, on="line_key", how="left", maintain_order="left")
    for k in range(MAX_MEMBERS):
        cells = wanted[f"cell_{k + 1}"]
        present = cells.is_not_null().to_numpy()
        members[ran[present], k] = net.index_of(cells.drop_nulls().to_list())
        weights[ran, k] = wanted[f"w_{k + 1}"].fill_null(0.0).to_numpy()
    mode[ran] = WEIGHTED


def build_anchor_groups(bound: pl.DataFrame, net: NetworkIndex) -> AnchorGroups:
    """The anchor groups of every service in ``bound`` (rows in ``bound``'s order)."""
    long = _service_keys(bound)
    keys = long["key"].unique().sort()
    gid = long.join(pl.DataFrame({"key": keys, "gid": np.arange(keys.len())}), on="key")
    of_service = np.full((bound.height, MAX_GROUPS), -1, dtype=np.int64)
    of_service[gid["row"].to_numpy(), gid["slot"].to_numpy()] = gid["gid"].to_numpy()
    members, weights, mode, min_up = _definitions(keys, bound, net)
    return AnchorGroups(members=members, weights=weights, mode=mode, min_up=min_up,
                        of_service=of_service,
                        membership=gid.select(pl.col("row").cast(pl.Int64), "gid"))
