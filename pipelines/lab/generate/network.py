"""The topology as a graph: resource indices, parents grouped by protection, and propagation.

A failure propagates from a parent to a child unless the child has an alternative: a child is
cut off when, for at least one of its dependency groups, every parent of the group is down (an
unprotected parent is a group of one). This is how a fibre cut silences a PON tree while the
loss of one link of a 1+1 pair silences nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from .topology import Topology


@dataclass(frozen=True)
class NetworkIndex:
    ids: np.ndarray  # resource_id by index (sorted)
    types: np.ndarray  # resource_type by index
    regions: np.ndarray
    position: dict[str, int]
    children: tuple[tuple[int, ...], ...]
    parent_groups: tuple[tuple[tuple[int, ...], ...], ...]

    @property
    def size(self) -> int:
        return self.ids.size

    def index_of(self, resource_ids: Iterable[str]) -> np.ndarray:
        """Indices of resource ids (vectorised; an unknown id raises)."""
        ids = pl.Series(list(resource_ids) if not isinstance(resource_ids, pl.Series)
                        else resource_ids, dtype=pl.String)
        return ids.replace_strict(self.position, return_dtype=pl.Int64).to_numpy()

    def of_type(self, resource_type: str) -> np.ndarray:
        return np.flatnonzero(self.types == resource_type)

    def parents(self, index: int) -> tuple[int, ...]:
        return tuple(p for group in self.parent_groups[index] for p in group)

    def behind(self, roots: Iterable[int]) -> np.ndarray:
        """Every resource that loses service when ``roots`` fail (roots included), sorted."""
        down = set(int(r) for r in roots)
        frontier = sorted(down)
        while frontier:
            parent = frontier.pop()
            for child in self.children[parent]:
                if child not in down and self._cut_off(child, down):
                    down.add(child)
                    frontier.append(child)
        return np.array(sorted(down), dtype=np.int64)

    def _cut_off(self, child: int, down: set[int]) -> bool:
        return any(all(p in down for p in group) for group in self.parent_groups[child])

    def protection_partners(self, index: int) -> np.ndarray:
        """Resources that protect the same children as ``index`` (the other link of a pair)."""
        partners = set()
        for child in self.children[index]:
            for group in self.parent_groups[child]:
                if index in group and len(group) > 1:
                    partners.update(p for p in group if p != index)
        return np.array(sorted(partners), dtype=np.int64)


def build_index(topology: Topology) -> NetworkIndex:
    resources = topology.resources
    ids = resources["resource_id"].to_numpy()
    position = {rid: i for i, rid in enumerate(ids)}
    children: dict[int, list[int]] = defaultdict(list)
    groups: dict[int, dict[str, list[int]]] = defaultdict(dict)
    links = topology.links.with_columns(
        child=pl.col("resource_id").replace_strict(position, return_dtype=pl.Int64),
        parent=pl.col("depends_on_id").replace_strict(position, return_dtype=pl.Int64),
    )
    for child, parent, group in links.select("child", "parent", "protection_group").iter_rows():
        children[parent].append(child)
        key = group if group is not None else f"__single_{parent}"
        groups[child].setdefault(key, []).append(parent)
    n = ids.size
    return NetworkIndex(
        ids=ids, types=resources["resource_type"].to_numpy(),
        regions=resources["region"].to_numpy(), position=position,
        children=tuple(tuple(sorted(children.get(i, ()))) for i in range(n)),
        parent_groups=tuple(tuple(tuple(sorted(g)) for _, g in sorted(groups.get(i, {}).items()))
                            for i in range(n)),
    )
