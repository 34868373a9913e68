"""The demo generator: deterministic, plausible, and Cedar visibly deteriorates."""

import datetime as dt

import numpy as np
import polars as pl

from steward.interactions import demo
from steward.interactions.builtin_profiles import BUILTIN_PROFILES
from steward.interactions.profiles import Profile, normalise


class _P:
    time_zone = "Asia/Shanghai"


class _V:
    def __init__(self, code):
        self.code = code


def contacts(vendor: str, channel: str = "voice") -> pl.DataFrame:
    return demo._contacts(np.random.default_rng(1), _P(), _V(vendor), channel, dt.date(2025, 3, 31))


def test_deterministic_and_valid_for_the_generic_profile():
    first, again = contacts("aurora", "chat"), contacts("aurora", "chat")
    assert first.equals(again)
    result = normalise(first, Profile.from_dict(BUILTIN_PROFILES["generic"]), "Asia/Shanghai")
    assert result.rejects == [] and result.rows.height == first.height > 4000
    assert result.rows["transcript"].str.contains("agent:").any()


def test_cedar_deteriorates_and_aurora_does_not():
    def abandon_rate(frame: pl.DataFrame, first_month: bool) -> float:
        day = pl.col("arrived_at").str.slice(0, 10)
        cut = "2025-01-31"
        part = frame.filter(day <= cut) if first_month else frame.filter(day > "2025-03-01")
        return (part["abandoned"] == "true").mean()

    cedar, aurora = contacts("cedar"), contacts("aurora")
    assert abandon_rate(cedar, False) > abandon_rate(cedar, True) + 0.05
    assert abs(abandon_rate(aurora, False) - abandon_rate(aurora, True)) < 0.05
