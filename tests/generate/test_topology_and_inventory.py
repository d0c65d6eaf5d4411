"""The network, the catalog and the service inventory agree with each other."""

from __future__ import annotations

from collections import Counter, defaultdict

import polars as pl
import yaml

REGIONS = {"Dublin", "Leinster", "Munster", "Connacht", "Ulster"}


def test_every_dependency_points_at_an_existing_resource_without_cycles(world):
    resources, links = world.resources(), world.links()
    ids = set(resources["resource_id"])
    assert len(ids) == resources.height
    assert set(links["resource_id"]) <= ids
    assert set(links["depends_on_id"]) <= ids
    parents = defaultdict(set)
    for child, parent in links.select("resource_id", "depends_on_id").iter_rows():
        parents[child].add(parent)
    state: dict[str, int] = {}

    def visit(node: str) -> None:  # depth-first search: 1 = on the stack, 2 = done
        assert state.get(node) != 1, f"dependency cycle through {node}"
        if state.get(node) == 2:
            return
        state[node] = 1
        for parent in parents[node]:
            visit(parent)
        state[node] = 2

    for node in sorted(ids):
        visit(node)
    # everything but the core depends on something; access resources reach a core router
    assert {r for r in ids if not parents[r]} == {"CORE-01", "CORE-02"}


def test_protection_and_regions_follow_the_design(world):
    resources, links = world.resources(), world.links()
    kind = dict(resources.select("resource_id", "resource_type").iter_rows())
    olt_uplinks = links.filter(pl.col("resource_id").str.starts_with("OLT-"))
    per_olt = olt_uplinks.group_by("resource_id").agg(pl.len(), pl.col("protection_group")
                                                      .n_unique().alias("groups"),
                                                      pl.col("protection_group").null_count())
    assert per_olt["len"].to_list() == [2] * per_olt.height  # 1+1 uplinks
    assert per_olt["groups"].to_list() == [1] * per_olt.height
    assert per_olt["protection_group"].sum() == 0
    backhaul = links.filter(pl.col("resource_id").str.starts_with("SITE-"))
    assert backhaul["protection_group"].null_count() == backhaul.height  # unprotected
    assert sum(1 for k in kind.values() if k == "dns_resolver") >= 2
    national = resources.filter(pl.col("resource_type").is_in(
        ["ims_core", "iptv_headend", "dns_resolver"]))
    assert set(national["region"]) == {"National"}
    assert set(resources["region"]) - {"National"} == REGIONS
    regional = resources.filter(pl.col("region").is_in(list(REGIONS))
                                & ~pl.col("resource_type").is_in(["core_router"]))
    vendor_of_region = regional.group_by("region").agg(pl.col("vendor").unique())
    assert all(len(v) == 1 for v in vendor_of_region["vendor"])
    assert Counter(v[0] for v in vendor_of_region["vendor"]) == {"A": 3, "B": 2}
    cells_per_site = resources.filter(pl.col("resource_type") == "cell").group_by("site_id").len()
    assert set(cells_per_site["len"]) == {3}


def _catalog(world) -> tuple[dict, dict]:
    document = yaml.safe_load((world.path / "catalog" / "catalog.yaml").read_text())
    specs = {s["id"]: s for s in document["serviceSpecification"]}
    cfs = {s["cfsType"]: s for s in specs.values()
           if s["@type"] == "CustomerFacingServiceSpecification"}
    return specs, cfs


def test_every_cfs_reaches_resources_through_the_rfs_its_catalog_spec_requires(world):
    specs, cfs_by_type = _catalog(world)
    resources = world.resources()
    kind = dict(resources.select("resource_id", "resource_type").iter_rows())
    services = world.services()
    shared = {s["id"]: s for s in services if s["category"] == "RFS"}
    customers = set(world.customers()["customer_id"])
    lines_per_port = Counter()
    cfs = [s for s in services if s["category"] == "CFS"]
    assert cfs and len(cfs) == len({s["id"] for s in cfs})
    for service in cfs:
        spec = cfs_by_type[service["serviceType"]]
        assert service["serviceSpecification"]["id"] == spec["id"]
        assert service["relatedParty"][0]["partyOrPartyRole"]["id"] in customers
        chars = {c["name"]: c["value"] for c in service["serviceCharacteristic"]}
        tier = chars.get("slaTier")
        required = {r["id"] for r in spec["serviceSpecRelationship"]
                    if tier is None or "slaTiers" not in r or tier in r["slaTiers"]}
        used = set()
        for support in service["supportingService"]:
            rfs = shared.get(support["id"], support)
            rfs_spec = specs[rfs["serviceSpecification"]["id"]]
            used.add(rfs_spec["id"])
            allowed = {r["resourceType"] for r in rfs_spec["resourceSpecification"]}
            assert rfs["supportingResource"], f"{rfs['id']} carries no resource"
            for ref in rfs["supportingResource"]:
                assert kind[ref["id"]] in allowed and ref["@referredType"] == kind[ref["id"]]
                if kind[ref["id"]] == "pon_port" and service["serviceType"] != "iptv":
                    lines_per_port[ref["id"]] += 1
        assert used == required, service["id"]
    assert max(lines_per_port.values()) <= 32


def test_redundancy_in_the_catalog_matches_the_platforms(world):
    specs, _ = _catalog(world)
    assert specs["rfs-ims-voice"]["redundancy"] == {"mode": "1+1"}
    assert specs["rfs-dns"]["redundancy"]["mode"] == "n-of-m"
    assert specs["rfs-gpon-access"]["redundancy"] == {"mode": "none"}
    dns = next(s for s in world.services() if s["id"] == "RFS-DNS")
    assert len(dns["supportingResource"]) > specs["rfs-dns"]["redundancy"]["minUp"]


def test_customers_look_like_a_crm_export(world):
    customers = world.customers()
    assert customers["customer_id"].is_unique().all()
    share = customers["segment"].value_counts(normalize=True)
    consumer = share.filter(pl.col("segment") == "consumer")["proportion"][0]
    assert 0.78 < consumer < 0.92
    assert customers["phone"].str.contains(r"^\+353 \d{1,2} \d{3} \d{4}$").all()
    assert customers["email"].str.contains(r"^[a-z.0-9]+@[a-z.]+$").all()
    since = customers["customer_since"].str.to_date()
    assert since.max() < world.config.start
    assert (world.config.start - since.min()).days > 6 * 365
    charges = customers["monthly_charges_eur"].cast(pl.Float64)
    assert charges.min() > 0
    assert set(customers["status"]) <= {"active", "terminated"}
