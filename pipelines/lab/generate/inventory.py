"""The service inventory as TMF638 v5 ``Service`` JSON lines, rendered column-wise.

Shared RFS instances (one BNG session service per BNG, IP transport per aggregation router, the
DNS, IMS and IPTV platforms) come first with their supporting resources. Then one line per CFS:
its dedicated access RFS inline (a ``ServiceRefOrValue`` value carrying the PON port or the
serving cells), the shared RFS by reference, and for enterprise VPNs an inline provider-edge RFS
(dual-homed for gold). JSON is assembled with polars string expressions, so rendering 200,000
services takes well under a second; identifiers and names are generated and need no escaping.
"""

from __future__ import annotations

import polars as pl

from .catalog import CFS_SPECS, rfs_spec
from .network import NetworkIndex

NETWORK_BUILT = "2018-01-01T00:00:00Z"
SHARED_RFS = (("bng", "RFS-BNG-", "rfs-bng-session"), ("agg_router", "RFS-IPT-",
                                                       "rfs-ip-transport"))
PLATFORM_RFS = (("dns_resolver", "RFS-DNS", "rfs-dns"), ("ims_core", "RFS-IMS", "rfs-ims-voice"),
                ("iptv_headend", "RFS-IPTV", "rfs-iptv-platform"))


def _q(expr: pl.Expr) -> pl.Expr:
    return pl.concat_str(pl.lit('"'), expr, pl.lit('"'))


def _obj(*pairs: tuple[str, pl.Expr | str]) -> pl.Expr:
    parts: list[pl.Expr] = [pl.lit("{")]
    for k, (key, value) in enumerate(pairs):
        value = pl.lit(value) if isinstance(value, str) else value
        parts += [pl.lit(("," if k else "") + f'"{key}":'), value]
    return pl.concat_str([*parts, pl.lit("}")])


def _resource_ref(resource_id: pl.Expr, resource_type: str) -> pl.Expr:
    return _obj(("id", _q(resource_id)), ("@referredType", f'"{resource_type}"'))


def _spec_ref(spec_id: str, name: str | None = None) -> str:
    extra = f',"name":"{name}","version":"1.0"' if name else ""
    return f'{{"id":"{spec_id}"{extra}}}'


def shared_rfs_lines(net: NetworkIndex) -> list[str]:
    """Shared RFS objects, one JSON string each, in a stable order."""
    lines = []

    def line(rfs_id: str, spec_id: str, resources: list[int], label: str = "") -> str:
        spec = rfs_spec(spec_id)
        refs = ",".join(f'{{"id":"{net.ids[r]}","@referredType":"{net.types[r]}"}}'
                        for r in resources)
        return (f'{{"id":"{rfs_id}","href":"/serviceInventory/v5/service/{rfs_id}",'
                f'"name":"{(spec.name + " " + label).strip()}","category":"RFS",'
                f'"serviceType":"{spec_id}",'
                f'"state":"active","startDate":"{NETWORK_BUILT}","endDate":null,'
                f'"serviceSpecification":{_spec_ref(spec_id, spec.name)},'
                f'"supportingResource":[{refs}]}}')

    for kind, prefix, spec_id in SHARED_RFS:
        for r in net.of_type(kind):
            rid = str(net.ids[r])
            lines.append(line(prefix + rid.split("-", 1)[1], spec_id, [int(r)], rid))
    for kind, rfs_id, spec_id in PLATFORM_RFS:
        lines.append(line(rfs_id, spec_id, [int(r) for r in net.of_type(kind)]))
    return lines


def _characteristics() -> pl.Expr:
    def char(name, value_type, value):
        return _obj(("name", f'"{name}"'), ("valueType", f'"{value_type}"'), ("value", value))

    price = char("monthlyPriceEur", "number", pl.col("price_eur").cast(pl.String))
    t = pl.col("cfs_type")
    specific = (pl.when(t == "ftth").then(pl.concat_str(char(
        "downloadSpeedMbps", "integer", pl.col("download_mbps").cast(pl.String)), pl.lit(",")))
        .when(t == "mobile_data").then(pl.concat_str(char(
            "dataAllowanceGb", "integer", pl.col("data_allowance_gb").cast(pl.String)),
            pl.lit(",")))
        .when(t == "enterprise_vpn").then(pl.concat_str(
            char("slaTier", "string", _q(pl.col("sla_tier"))), pl.lit(","),
            char("slaAvailabilityPct", "number", pl.col("sla_availability_pct").cast(pl.String)),
            pl.lit(",")))
        .otherwise(pl.lit("")))
    return pl.concat_str(pl.lit("["), specific, price, pl.lit("]"))


def _inline_rfs(suffix: str, spec_id: pl.Expr | str, resources: pl.Expr) -> pl.Expr:
    digits = pl.col("service_id").str.slice(4)
    spec = pl.concat_str(pl.lit('{"id":"'), spec_id if isinstance(spec_id, pl.Expr)
                         else pl.lit(spec_id), pl.lit('"}'))
    return _obj(("id", _q(pl.concat_str(pl.lit("RFS-"), digits, pl.lit(suffix)))),
                ("category", '"RFS"'), ("serviceSpecification", spec),
                ("supportingResource", pl.concat_str(pl.lit("["), resources, pl.lit("]"))),
                ("@type", '"Service"'))


def _service_ref(rfs_id: pl.Expr) -> pl.Expr:
    return _obj(("id", _q(rfs_id)), ("@referredType", '"Service"'))


def _supporting() -> pl.Expr:
    t = pl.col("cfs_type")
    cells = pl.concat_list([_resource_ref(pl.col(f"cell_{k}"), "cell") for k in (1, 2, 3)]) \
        .list.drop_nulls().list.join(",")
    pon = _resource_ref(pl.col("pon_port"), "pon_port")
    pe = pl.col("vpn_pe").list.eval(_resource_ref(pl.element(), "agg_router")).list.join(",")
    access = pl.when(t.is_in(["mobile_data", "mobile_voice"])) \
        .then(_inline_rfs("-RAN", "rfs-radio-access", cells)) \
        .otherwise(_inline_rfs("-ACC", "rfs-gpon-access", pon))
    transport = _service_ref(pl.concat_str(pl.lit("RFS-IPT-"), pl.col("agg_id").str.slice(4)))
    bng = _service_ref(pl.concat_str(pl.lit("RFS-BNG-"), pl.col("bng_id").str.slice(4)))
    dns, ims, iptv = (_service_ref(pl.lit(x)) for x in ("RFS-DNS", "RFS-IMS", "RFS-IPTV"))
    pe_spec = pl.when(pl.col("sla_tier") == "gold").then(pl.lit("rfs-vpn-pe-protected")) \
        .otherwise(pl.lit("rfs-vpn-pe"))
    rest = (pl.when(t == "ftth").then(pl.concat_str(transport, pl.lit(","), bng, pl.lit(","), dns))
            .when(t == "iptv").then(iptv)
            .when(t == "mobile_data").then(pl.concat_str(transport, pl.lit(","), dns))
            .when(t == "mobile_voice").then(ims)
            .otherwise(_inline_rfs("-PE", pe_spec, pe)))
    return pl.concat_str(pl.lit("["), access, pl.lit(","), rest, pl.lit("]"))


def _display_name() -> pl.Expr:
    t = pl.col("cfs_type")
    label = (pl.when(t == "ftth").then(pl.format("FTTH {}", "download_mbps"))
             .when(t == "iptv").then(pl.lit("IPTV"))
             .when(t == "mobile_data").then(pl.format("Mobile Data {}GB", "data_allowance_gb"))
             .when(t == "mobile_voice").then(pl.lit("Mobile Voice"))
             .otherwise(pl.format("Enterprise VPN {}", "sla_tier")))
    return pl.concat_str(label, pl.lit(" for "), pl.col("customer_id"))


def cfs_lines(services: pl.DataFrame) -> pl.Series:
    """One TMF638 JSON line per CFS. ``services`` needs the bound columns plus ``state`` and
    ``end_date`` (null while active)."""
    spec_names = {s.id: s.name for s in CFS_SPECS}
    iso = "%Y-%m-%dT00:00:00Z"
    end = pl.when(pl.col("end_date").is_null()).then(pl.lit("null")) \
        .otherwise(_q(pl.col("end_date").dt.strftime(iso)))
    spec = pl.concat_str(pl.lit('{"id":"'), pl.col("spec_id"), pl.lit('","name":"'),
                         pl.col("spec_id").replace_strict(spec_names), pl.lit('","version":"1.0"}'))
    party = pl.concat_str(pl.lit('[{"role":"customer","partyOrPartyRole":{"id":"'),
                          pl.col("customer_id"), pl.lit('","@referredType":"Customer"}}]'))
    line = _obj(
        ("id", _q(pl.col("service_id"))),
        ("href", _q(pl.concat_str(pl.lit("/serviceInventory/v5/service/"), pl.col("service_id")))),
        ("name", _q(_display_name())), ("category", '"CFS"'),
        ("serviceType", _q(pl.col("cfs_type"))), ("state", _q(pl.col("state"))),
        ("startDate", _q(pl.col("start_date").dt.strftime(iso))), ("endDate", end),
        ("serviceSpecification", spec), ("relatedParty", party),
        ("serviceCharacteristic", _characteristics()), ("supportingService", _supporting()))
    return services.select(line.alias("json")).to_series()
