"""Alarm correlation: episodes related by topology and time become one incident, with a root.

Pure functions on polars frames (the candidate pairs come from
``models/incidents/sql/episode_links.sql``):

* service-affecting episodes (and planned outages) linked to each other are joined into
  connected components: one component, one incident;
* the **root** is the episode that explains most of the others (the most episodes of the
  incident lie *below* its resource in the topology); ties go to the episode the source system
  flagged as root cause (X.733 / 3GPP ``rootCauseIndicator``, TMF642 ``isRootCause``) when
  ``use_hints``, then to the earlier episode: a fibre cut taking adjacent ports down or two
  resolvers of a pool crashing together have no topological answer;
* an alarm that is not service-affecting never opens an incident: it is *attached* to the
  incident of a service-affecting episode it is linked to (a lost-redundancy warning on the OLT
  behind a failed uplink), or stays on its own (background noise: a door open, a warm shelter).
"""

from __future__ import annotations

import polars as pl

EPISODE_COLUMNS = ("episode_id", "started_at", "affecting", "severity_rank", "root_hint")
LINK_COLUMNS = ("upper_id", "lower_id", "relation", "both_affecting")


class _UnionFind:
    def __init__(self, items) -> None:
        self.parent = {item: item for item in items}

    def find(self, item):
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:  # path compression
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def incident_id_for(root_episode_id: str) -> str:
    return f"PRB-{root_episode_id}"


def correlate(episodes: pl.DataFrame, links: pl.DataFrame, use_hints: bool = True
              ) -> pl.DataFrame:
    """``incident_id, episode_id, role`` (root, symptom, attached) for every episode that
    belongs to an incident. ``episodes`` needs :data:`EPISODE_COLUMNS` (``affecting``: the
    episode is service-affecting or a planned outage); ``links`` :data:`LINK_COLUMNS`. Links
    naming episodes not in ``episodes`` are ignored."""
    known = set(episodes["episode_id"].to_list())
    links = links.select(pl.col("upper_id", "lower_id", "relation").cast(pl.String),
                         pl.col("both_affecting").cast(pl.Boolean))
    links = links.filter(pl.col("upper_id").is_in(list(known))
                         & pl.col("lower_id").is_in(list(known)))
    affecting = episodes.filter(pl.col("affecting"))
    members = affecting["episode_id"].to_list()
    groups = _UnionFind(members)
    strong = links.filter(pl.col("both_affecting"))
    for upper, lower in strong.select("upper_id", "lower_id").iter_rows():
        groups.union(upper, lower)
    component = {episode: groups.find(episode) for episode in members}
    roots = _roots(affecting, strong, component, use_hints)
    rows = [(incident_id_for(roots[component[e]]), e,
             "root" if roots[component[e]] == e else "symptom") for e in members]
    rows += _attached(episodes, links, component, roots)
    return pl.DataFrame(rows, schema={"incident_id": pl.String, "episode_id": pl.String,
                                      "role": pl.String}, orient="row").sort(
        "incident_id", "role", "episode_id")


def _roots(affecting: pl.DataFrame, strong: pl.DataFrame, component: dict[str, str],
           use_hints: bool) -> dict[str, str]:
    """Component → the episode chosen as its root."""
    below = strong.filter(pl.col("relation") == "below")
    explains = (below.group_by("upper_id").agg(pl.col("lower_id").n_unique().alias("explains"))
                .rename({"upper_id": "episode_id"}))
    ranked = (affecting.join(explains, on="episode_id", how="left")
              .with_columns(pl.col("explains").fill_null(0),
                            hint=pl.col("root_hint").fill_null(False) & pl.lit(use_hints),
                            component=pl.col("episode_id").replace_strict(component))
              .sort(["component", "explains", "hint", "started_at", "episode_id"],
                    descending=[False, True, True, False, False], nulls_last=True))
    first = ranked.group_by("component", maintain_order=True).agg(pl.col("episode_id").first())
    return dict(first.iter_rows())


def _attached(episodes: pl.DataFrame, links: pl.DataFrame, component: dict[str, str],
              roots: dict[str, str]) -> list[tuple[str, str, str]]:
    """Episodes that are not service-affecting, each attached to the incident of the
    affecting episode it is linked to: preferably one it lies below, then the nearest in
    time, then the smallest id."""
    weak = links.filter(~pl.col("both_affecting"))
    if weak.is_empty():
        return []
    starts = dict(episodes.select("episode_id", "started_at").iter_rows())
    lone = set(episodes.filter(~pl.col("affecting"))["episode_id"].to_list())
    options: dict[str, list[tuple]] = {}
    for upper, lower, relation in weak.select("upper_id", "lower_id", "relation").iter_rows():
        if lower in lone and upper in component:
            child, anchor, preference = lower, upper, 0 if relation == "below" else 1
        elif upper in lone and lower in component:
            child, anchor, preference = upper, lower, 1
        else:
            continue
        gap = abs((starts[child] - starts[anchor]).total_seconds())
        options.setdefault(child, []).append((preference, gap, anchor))
    rows = []
    for child, choices in options.items():
        anchor = min(choices)[2]
        rows.append((incident_id_for(roots[component[anchor]]), child, "attached"))
    return rows
