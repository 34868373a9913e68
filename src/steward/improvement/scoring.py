"""Risk scoring on the classic 5 × 5 matrix. Pure: no Django."""

SCALE = range(1, 6)

# Score bands, as most risk policies draw them on a 5 × 5 matrix.
BANDS = ((20, "critical"), (12, "high"), (5, "medium"), (1, "low"))


def score(likelihood: int, impact: int) -> int:
    if likelihood not in SCALE or impact not in SCALE:
        raise ValueError("likelihood and impact run from 1 to 5")
    return likelihood * impact


def band(value: int) -> str:
    for floor, name in BANDS:
        if value >= floor:
            return name
    raise ValueError("a score is at least 1")


def heat_grid(counts: dict[tuple[int, int], int]) -> list[list[dict]]:
    """Rows from likelihood 5 (top) to 1, columns impact 1 to 5; every cell has its count,
    even when empty, so the grid always has 25 cells."""
    return [
        [{"likelihood": li, "impact": im, "count": counts.get((li, im), 0), "score": li * im,
          "band": band(li * im)} for im in SCALE]
        for li in reversed(SCALE)
    ]
