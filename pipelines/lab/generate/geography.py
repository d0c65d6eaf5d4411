"""The operator's footprint: five Irish regions, their towns, and what differs between them.

``rurality`` (0 urban … 1 rural) mimics longer access loops and backhaul paths: it raises base
latency and lowers per-user radio throughput. ``vendor`` says which equipment vendor (and so
which PM file dialect) runs the region's access and aggregation network; national platforms are
vendor A.
"""

from __future__ import annotations

from dataclasses import dataclass

NATIONAL = "National"


@dataclass(frozen=True)
class City:
    name: str
    latitude: float
    longitude: float
    weight: float


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    customer_share: float
    enterprise_share: float
    vendor: str
    rurality: float
    cities: tuple[City, ...]


REGIONS: tuple[Region, ...] = (
    Region("D", "Dublin", 0.33, 0.50, "A", 0.0, (
        City("Dublin", 53.3498, -6.2603, 0.55), City("Swords", 53.4597, -6.2181, 0.10),
        City("Tallaght", 53.2859, -6.3733, 0.12), City("Blanchardstown", 53.3881, -6.3773, 0.12),
        City("Dun Laoghaire", 53.2944, -6.1339, 0.11),
    )),
    Region("L", "Leinster", 0.22, 0.18, "A", 0.45, (
        City("Kilkenny", 52.6541, -7.2448, 0.14), City("Naas", 53.2159, -6.6669, 0.15),
        City("Drogheda", 53.7179, -6.3561, 0.16), City("Dundalk", 54.0090, -6.4049, 0.14),
        City("Wexford", 52.3369, -6.4633, 0.12), City("Athlone", 53.4239, -7.9407, 0.11),
        City("Navan", 53.6528, -6.6814, 0.10), City("Carlow", 52.8365, -6.9341, 0.08),
    )),
    Region("M", "Munster", 0.24, 0.20, "B", 0.5, (
        City("Cork", 51.8985, -8.4756, 0.40), City("Limerick", 52.6638, -8.6267, 0.22),
        City("Waterford", 52.2593, -7.1101, 0.14), City("Tralee", 52.2713, -9.6999, 0.08),
        City("Ennis", 52.8436, -8.9864, 0.07), City("Clonmel", 52.3558, -7.7039, 0.09),
    )),
    Region("C", "Connacht", 0.11, 0.08, "B", 0.8, (
        City("Galway", 53.2707, -9.0568, 0.50), City("Sligo", 54.2766, -8.4761, 0.17),
        City("Castlebar", 53.8550, -9.2880, 0.13), City("Ballina", 54.1149, -9.1550, 0.11),
        City("Roscommon", 53.6279, -8.1896, 0.09),
    )),
    Region("U", "Ulster", 0.10, 0.04, "A", 0.85, (
        City("Letterkenny", 54.9503, -7.7337, 0.40), City("Cavan", 53.9908, -7.3606, 0.25),
        City("Monaghan", 54.2492, -6.9683, 0.20), City("Buncrana", 55.1333, -7.4500, 0.15),
    )),
)


def region_by_code(code: str) -> Region:
    for region in REGIONS:
        if region.code == code:
            return region
    raise KeyError(f"no region with code {code!r}; known: {[r.code for r in REGIONS]}")
