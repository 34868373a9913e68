"""Geometry of the timeline (Gantt-like) chart. Pure: no Django.

Dates map linearly to x; each row gets a bar from its start to its end (inclusive days).
"""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass
class Row:
    label: str
    start: date | None
    end: date | None
    kind: str  # "phase", "task" or "milestone"
    css: str = ""
    url: str = ""
    x: float = 0.0
    width: float = 0.0
    y: float = 0.0
    title: str = ""


@dataclass
class Chart:
    width: int
    height: int
    left: int
    rows: list[Row]
    ticks: list[tuple[float, str]]
    today_x: float | None
    first: date | None
    last: date | None


ROW_HEIGHT = 22
LEFT = 300
MIN_LABEL_GAP = 60  # px between month labels, so they never overlap
TOP = 28


def layout(rows: list[Row], today: date, width: int = 1100) -> Chart:
    dated = [r for r in rows if r.start or r.end]
    if not dated:
        return Chart(width, TOP + ROW_HEIGHT, LEFT, [], [], None, None, None)
    first = min(d for r in dated for d in (r.start, r.end) if d)
    last = max(d for r in dated for d in (r.start, r.end) if d)
    first, last = min(first, today), max(last, today)
    days = (last - first).days + 1
    scale = (width - LEFT - 10) / days

    def x(d: date) -> float:
        return round(LEFT + (d - first).days * scale, 1)

    for i, r in enumerate(dated):
        start = r.start or r.end
        end = r.end or r.start
        if end < start:
            start, end = end, start
        r.x = x(start)
        r.width = max(round((end - start).days * scale + scale, 1), 3.0)
        r.y = TOP + i * ROW_HEIGHT
    ticks = []
    month = date(first.year, first.month, 1)
    while month <= last:
        if month >= first:
            at = x(month)
            labelled = [t for t in ticks if t[1]]
            ticks.append((at, month.strftime("%Y-%m") if not labelled or at - labelled[-1][0] >= MIN_LABEL_GAP else ""))
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return Chart(width, TOP + len(dated) * ROW_HEIGHT + 6, LEFT, dated, ticks, x(today), first, last)
