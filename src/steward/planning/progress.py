"""Progress arithmetic, rolled up from tasks to phases to the project. Pure: no Django.

Each task weighs its effort (in days, at least 1). A phase's progress is the effort of its done
tasks over the effort of all its tasks that are not cancelled; the project's is the same sum
over every phase (so a long phase counts for more than a short one, not one vote each).
A phase without tasks has no progress figure (None), never 0 % or 100 %.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction


@dataclass(frozen=True)
class TaskWeight:
    effort: int
    done: bool
    cancelled: bool = False


@dataclass(frozen=True)
class Progress:
    done: int  # effort-days done
    total: int  # effort-days planned (cancelled tasks excluded)

    @property
    def ratio(self) -> Fraction | None:
        return Fraction(self.done, self.total) if self.total else None

    @property
    def percent(self) -> Decimal | None:
        """Rounded half up to one decimal place."""
        if not self.total:
            return None
        return (Decimal(self.done * 100) / Decimal(self.total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def __add__(self, other: "Progress") -> "Progress":
        return Progress(self.done + other.done, self.total + other.total)


def of_tasks(tasks) -> Progress:
    counted = [t for t in tasks if not t.cancelled]
    return Progress(done=sum(t.effort for t in counted if t.done), total=sum(t.effort for t in counted))


def rollup(phases: list[Progress]) -> Progress:
    total = Progress(0, 0)
    for phase in phases:
        total = total + phase
    return total
