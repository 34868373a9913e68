"""Task dependencies as a directed graph. Pure: no Django.

An edge (task, prerequisite) says `task` cannot start or finish before `prerequisite` is done.
"""

from collections.abc import Iterable, Mapping


def creates_cycle(edges: Mapping[int, Iterable[int]], task: int, prerequisite: int) -> list[int] | None:
    """The cycle (as a path of ids, ending where it starts) that adding `task → prerequisite`
    would close, or None when the edge is safe. A task depending on itself is a cycle of one."""
    if task == prerequisite:
        return [task, task]
    # Is `task` reachable from `prerequisite` along existing edges? Then the new edge closes a loop.
    parents: dict[int, int | None] = {prerequisite: None}
    stack = [prerequisite]
    while stack:
        node = stack.pop()
        for nxt in edges.get(node, ()):
            if nxt in parents:
                continue
            parents[nxt] = node
            if nxt == task:
                path = [task]
                step: int | None = node
                while step is not None:
                    path.append(step)
                    step = parents[step]
                # path runs task ← … ← prerequisite; the loop reads task → prerequisite → … → task
                return [task] + list(reversed(path[1:])) + [task]
            stack.append(nxt)
    return None


def topological_order(nodes: Iterable[int], edges: Mapping[int, Iterable[int]]) -> list[int]:
    """Prerequisites before the tasks that need them (ties by id). Raises ValueError on a cycle."""
    nodes = sorted(set(nodes))
    pending = {n: {p for p in edges.get(n, ()) if p in set(nodes)} for n in nodes}
    order: list[int] = []
    while pending:
        ready = sorted(n for n, reqs in pending.items() if not reqs)
        if not ready:
            raise ValueError("dependency cycle")
        for n in ready:
            order.append(n)
            del pending[n]
        for reqs in pending.values():
            reqs.difference_update(ready)
    return order
