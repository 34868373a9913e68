"""Reproducible random draws of contacts for evaluation. Pure: no Django import.

A plan draws up to N contacts per agent per week. Each (agent, week) group is drawn with its own
generator seeded from the plan's stored seed and the group's key, over the group's contact ids in
sorted order, so the draw depends only on the seed and the set of candidate contacts: not on the
database's row order, not on the other groups, and the same call always gives the same contacts.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable
from fractions import Fraction


def draw(candidates: Iterable[tuple[Hashable, Hashable, int]], *, per_group: int, seed: int,
         share: Fraction | None = None) -> list[int]:
    """candidates: (agent key, week key, contact id). Returns the drawn ids, sorted.

    Each group gives `per_group` contacts, or with `share` (0 < share ≤ 1) that share of the
    group's contacts, rounded up (a stratified share: every agent-week is represented)."""
    if per_group < 1:
        raise ValueError("per_group must be at least 1")
    if share is not None and not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    groups: dict[tuple, set[int]] = defaultdict(set)
    for agent, week, contact in candidates:
        groups[(agent, week)].add(contact)
    chosen: list[int] = []
    for key in sorted(groups, key=repr):
        ids = sorted(groups[key])
        rng = random.Random(f"{seed}|{key[0]!r}|{key[1]!r}")
        size = math.ceil(share * len(ids)) if share is not None else per_group
        chosen.extend(ids if len(ids) <= size else rng.sample(ids, size))
    return sorted(chosen)
