"""Webhook signatures (pure; no Django): HMAC-SHA256 over "<timestamp>.<body>".

Each delivery carries the header

    Steward-Signature: t=1764000000,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

where t is the Unix time of the attempt and v1 the hex HMAC-SHA256 of ``f"{t}.".encode() + body``
keyed with the endpoint's secret. A receiver recomputes it over the raw body, compares in
constant time and rejects a timestamp older than its tolerance (replay protection).
"""

import hashlib
import hmac
import time

HEADER = "Steward-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def header_value(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None,
           tolerance: int = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """True when `header` is a valid signature of `body` made within `tolerance` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(parts.get("v1", ""), signature(secret, timestamp, body))


def backoff_seconds(attempt: int, *, base: int = 60, cap: int = 6 * 3600) -> int:
    """Wait after the `attempt`-th failure (1-based): base·2^(attempt-1), at most `cap`."""
    return min(cap, base * 2 ** max(0, attempt - 1))
