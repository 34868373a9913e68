"""Demo contacts: 90 days for the demo projects and vendors (see core/demo.py), with weekly and
intraday patterns, a promotion peak, Chinese (and some English) transcripts, survey answers,
repeat customers. Aurora is strong, Bamboo average, Cedar deteriorates over the period.

Deterministic (fixed seed; the 90 days end yesterday), idempotent (a pair already loaded is
skipped), and fast: rows go straight through the bulk import path.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import polars as pl
from django.db import transaction

from steward.core.models import Project, User, Vendor
from steward.interactions import services
from steward.interactions.models import Agent, ImportBatch
from steward.interactions.profiles import LINE

DAYS = 90
SEED = 20240601
DEMO_FILE = "demo-data"
PROMOTION = range(60, 64)  # days of the 90 with a sales promotion (about twice the volume)
BASE_VOLUME = {"voice": 70, "chat": 75, "email": 30, "ticket": 20}
# Arrival weight per hour of day (local time): morning and afternoon peaks, an evening bump.
HOURS = np.array([0, 0, 0, 0, 0, 0, 0, 1, 4, 8, 10, 10, 7, 8, 10, 10, 9, 7, 5, 5, 6, 5, 3, 1], dtype=float)
QUEUES = {
    "voice": ["order", "delivery", "refund"],
    "chat": ["presales", "promo", "stock"],
    "email": ["invoice", "complaint", "account"],
    "ticket": ["return", "warranty"],
}
CHAT_LINES = [
    ("customer: 你好，这款还有货吗？", "agent: 您好！有货的，今天下单明天发货。"),
    ("customer: 优惠券怎么用不了？", "agent: 抱歉给您带来不便，我帮您重新发放一张。"),
    ("customer: 请问支持七天无理由退货吗？", "agent: 支持的，签收后七天内都可以申请。"),
    ("customer: 订单一直没有发货", "agent: 我帮您催一下仓库，预计今天内发出。"),
    ("customer: Hi, is this available in blue?", "agent: Hello! Yes, blue is in stock in all sizes."),
]
EMAIL_LINES = [
    ("customer: 发票抬头开错了，麻烦重开。", "agent: 已为您重新开具电子发票，请查收邮件。"),
    ("customer: 收到的商品有破损。", "agent: 非常抱歉，我们已安排补发并附上退货标签。"),
    ("customer: 账号被锁定了，无法登录。", "agent: 已为您解锁，请使用重置链接设置新密码。"),
    ("customer: Could you send me a copy of my invoice?", "agent: Of course, the invoice is attached."),
]
PROFILE = {"aurora": (0.95, 0.95), "bamboo": (0.75, 0.75), "cedar": (0.85, 0.30)}  # quality at start, end


class _FrameChunk:
    """A ready-made chunk of text columns for the import pipeline."""

    def __init__(self, frame: pl.DataFrame):
        self._frame = frame
        self.header = [c for c in frame.columns if c != LINE]
        self.lines = frame[LINE].to_list()
        self.raw: dict[int, str] = {}
        self.bad: list = []
        self.position = 0

    def frame(self) -> pl.DataFrame:
        return self._frame


def _contacts(rng: np.random.Generator, project: Project, vendor: Vendor, channel: str, end: dt.date) -> pl.DataFrame:
    tz = zoneinfo.ZoneInfo(project.time_zone)
    start_quality, end_quality = PROFILE.get(vendor.code, (0.75, 0.75))
    arrivals, day_index = [], []
    for d in range(DAYS):
        day = end - dt.timedelta(days=DAYS - 1 - d)
        volume = BASE_VOLUME[channel] * (0.6 if day.weekday() >= 5 else 1.0) * (2.1 if d in PROMOTION else 1.0)
        n = rng.poisson(volume)
        hours = rng.choice(24, size=n, p=HOURS / HOURS.sum())
        seconds = rng.integers(0, 3600, size=n)
        midnight = dt.datetime.combine(day, dt.time(), tz)
        arrivals += [midnight + dt.timedelta(hours=int(h), seconds=int(s)) for h, s in zip(hours, seconds, strict=True)]
        day_index += [d] * n
    n = len(arrivals)
    days = np.array(day_index)
    quality = start_quality + (end_quality - start_quality) * days / (DAYS - 1)
    promo = np.isin(days, list(PROMOTION))
    live = channel in ("voice", "chat")
    agents = [f"{vendor.code[:3].upper()}-{k:02d}" for k in range(1, 9)]
    abandon_p = np.clip(0.02 + 0.2 * (1 - quality) + 0.05 * promo, 0, 0.6) if live else np.zeros(n)
    abandoned = rng.random(n) < abandon_p
    if live:
        wait = rng.exponential(8 + 90 * (1 - quality) + 25 * promo).round().astype(int)
        talk = rng.gamma(4, 60 if channel == "voice" else 90, n).round().astype(int)
        first_response = [a + dt.timedelta(seconds=int(w)) for a, w in zip(arrivals, wait, strict=True)]
    else:
        wait = (rng.exponential(60 * (1 + 8 * (1 - quality)), n) * 60).round().astype(int)
        talk = rng.gamma(3, 100, n).round().astype(int)
        first_response = [a + dt.timedelta(seconds=int(w)) for a, w in zip(arrivals, wait, strict=True)]
    outcome = rng.choice(["resolved", "escalated", "transferred", "pending"], size=n, p=[0.82, 0.07, 0.06, 0.05])
    csat_answered = rng.random(n) < 0.3
    good = rng.random(n) < quality
    csat = np.where(good, rng.choice([4, 5], n, p=[0.35, 0.65]), rng.choice([1, 2, 3], n, p=[0.3, 0.3, 0.4]))
    nps = np.where(good, rng.choice([8, 9, 10], n), rng.choice(range(0, 8), n))
    lines = CHAT_LINES if channel == "chat" else EMAIL_LINES
    picks = rng.integers(0, len(lines), n)
    customers = rng.integers(1, 2500, n)
    rows = {
        LINE: list(range(2, n + 2)),
        "external_id": [f"{vendor.code}-{channel}-{a:%Y%m%d}-{i:05d}" for i, a in enumerate(arrivals)],
        "channel": [channel] * n,
        "queue": rng.choice(QUEUES[channel], n).tolist(),
        "agent_code": [None if ab else agents[k] for ab, k in zip(abandoned, rng.integers(0, 8, n), strict=True)],
        "customer_ref": [f"C{c:05d}" for c in customers],
        "contact_reason": rng.choice(["order", "delivery", "refund", "product", "account"], n).tolist(),
        "priority": rng.choice(["normal", "high", "urgent", "low"], n, p=[0.75, 0.15, 0.05, 0.05]).tolist(),
        "arrived_at": [a.isoformat() for a in arrivals],
        "first_response_at": [None if ab else f.isoformat() for ab, f in zip(abandoned, first_response, strict=True)],
        "ended_at": [(f + dt.timedelta(seconds=int(t))).isoformat() if not ab else
                     (a + dt.timedelta(seconds=int(w))).isoformat()
                     for ab, a, f, t, w in zip(abandoned, arrivals, first_response, talk, wait, strict=True)],
        "resolved_at": [None if ab or o != "resolved" or live else (f + dt.timedelta(hours=2)).isoformat()
                        for ab, o, f in zip(abandoned, outcome, first_response, strict=True)],
        "abandoned": ["true" if ab else "false" for ab in abandoned],
        "wait_seconds": [str(w) for w in wait],
        "talk_seconds": ["0" if ab else str(t) for ab, t in zip(abandoned, talk, strict=True)],
        "hold_seconds": ["0" if ab or not live else str(h) for ab, h in zip(abandoned, rng.integers(0, 40, n), strict=True)],
        "wrap_seconds": ["0" if ab else str(w) for ab, w in zip(abandoned, rng.integers(10, 60, n), strict=True)],
        "outcome": ["abandoned" if ab else o for ab, o in zip(abandoned, outcome, strict=True)],
        "csat": [str(c) if ans and not ab else None for c, ans, ab in zip(csat, csat_answered, abandoned, strict=True)],
        "nps": [str(v) if ans and not ab else None for v, ans, ab in zip(nps, csat_answered, abandoned, strict=True)],
        "complaint": ["true" if c else "false" for c in rng.random(n) < 0.005 + 0.03 * (1 - quality)],
        "transcript": [None if ab or channel not in ("chat", "email") else "\n".join(lines[p])
                       for ab, p in zip(abandoned, picks, strict=True)],
    }
    schema = {LINE: pl.Int64, **{k: pl.String for k in rows if k != LINE}}
    return pl.DataFrame(rows, schema=schema)


def load(stdout) -> None:
    rng = np.random.default_rng(SEED)
    end = dt.date.today() - dt.timedelta(days=1)
    loaded = 0
    for project in Project.objects.order_by("code"):
        for vendor in project.vendors.order_by("code"):
            # One generator draw per pair, whether or not it is loaded, keeps the data fixed.
            pair_rng = np.random.default_rng(rng.integers(0, 2**32))
            if vendor.code not in PROFILE:
                continue
            if ImportBatch.objects.filter(project=project, vendor=vendor, file_name=DEMO_FILE,
                                          status=ImportBatch.Status.DONE).exists():
                continue
            frames = [_contacts(pair_rng, project, vendor, channel, end) for channel in project.channels
                      if channel in BASE_VOLUME]
            with transaction.atomic():
                batch = services.batch_create(actor=None, project=project, vendor=vendor, profile="generic",
                                              file_name=DEMO_FILE, file_format="csv", allow_rejects=False)
                result = services.batch_run(batch=batch, chunks=lambda _p, fr=frames: [_FrameChunk(f) for f in fr])
            loaded += result.inserted
    # Agent logins see their own contacts: the demo's agent users are each vendor's first agents.
    for vendor in Vendor.objects.filter(code__in=PROFILE):
        for number in (1, 2):
            user = User.objects.filter(username=f"{vendor.code}-agent{number}").first()
            code = f"{vendor.code[:3].upper()}-{number:02d}"
            if user and not Agent.objects.filter(user=user).exists():
                Agent.objects.filter(vendor=vendor, code=code, user__isnull=True).update(user=user)
    stdout.write(f"Interactions: {loaded} demo contacts loaded (90 days).")
