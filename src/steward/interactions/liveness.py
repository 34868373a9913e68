"""Whether the process running an import is still alive.

A batch says "running" from the moment its run starts until it records how it ended. If the
process dies in between (killed, out of memory, the server restarted), its transaction rolls
back and nothing is stored, but the batch would say "running" for ever: its page would show
progress that never moves, and an API retry with its Idempotency-Key would be told to wait.

So a run holds a lock that only a living process can hold, from before it says "running" until
after it says how it ended (in the transaction that stores its rows), and a reader that finds a
batch running without that lock knows the run died. The database or the operating system frees
the lock when the process dies; no clock or heartbeat has to guess how long an import may take.
An API batch runs in the request that records it, so that request holds the lock from before
the batch is recorded: an API batch found queued without it was left by a request that died
before its run began.

- PostgreSQL: a session advisory lock (released when the connection closes). A reader tries
  it and holds it while it marks the batch, so no run starts in between; it first looks in
  ``pg_locks`` for its own session's hold, since an advisory lock is re-entrant in a session.
  (A pooler in transaction mode, such as PgBouncer's, cannot keep session locks: web and
  workers connect directly or through a session-mode pool.)
- SQLite: an exclusive ``flock`` on a file beside the uploads (one host, as SQLite is; flock
  locks belong to an open file, so a second open in the same process is refused too).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings
from django.db import connection

# pg_advisory_lock(namespace, key): the namespace keeps these apart from any other advisory lock.
_NAMESPACE = 0x53_49_4D  # "SIM": steward import
_INT4 = 2**31 - 1


def _key(batch_id: int) -> tuple[int, int]:
    # A collision between two batch ids (beyond 2**31) can only make a dead run look alive.
    return _NAMESPACE, batch_id % _INT4


# The batches this thread holds, and how many times: `running` is re-entrant, so an API batch
# can be held from before it is recorded (import_records) through its run (batch_run).
class _Held(threading.local):
    def __init__(self):
        self.counts = Counter()


_held = _Held()


def _lock_file(batch_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / "running" / f"{batch_id}.lock"


@contextlib.contextmanager
def running(batch_id: int) -> Iterator[None]:
    """Held for as long as this process runs the batch (waits while another holder has it).
    Re-entrant in a thread: an inner hold of a batch the thread already holds adds nothing."""
    holds = _held.counts
    if holds[batch_id]:
        holds[batch_id] += 1
        try:
            yield
        finally:
            holds[batch_id] -= 1
        return
    holds[batch_id] = 1
    try:
        with _lock(batch_id):
            yield
    finally:
        del holds[batch_id]


@contextlib.contextmanager
def _lock(batch_id: int) -> Iterator[None]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", _key(batch_id))
        try:
            yield
        finally:
            _unlock(batch_id)
        return
    with _locked_file(_lock_file(batch_id), wait=True):
        yield


@contextlib.contextmanager
def unless_running(batch_id: int) -> Iterator[bool]:
    """Yields whether no living process runs the batch, and while the body runs (the caller's
    check and update of the batch) holds the lock, so that no run can start meanwhile."""
    if _held.counts[batch_id]:  # this thread runs it
        yield False
        return
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # This session's own run: a try would succeed, advisory locks being re-entrant.
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                           " AND pid = pg_backend_pid() AND classid = %s AND objid = %s AND objsubid = 2)",
                           _key(batch_id))
            mine = cursor.fetchone()[0]
            if not mine:  # (a try-lock is scoped to this database, as the run's lock is)
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", _key(batch_id))
                free = cursor.fetchone()[0]
        if mine or not free:
            yield False
            return
        try:
            yield True
        finally:
            _unlock(batch_id)
        return
    with _locked_file(_lock_file(batch_id), wait=False) as locked:
        yield locked


def _unlock(batch_id: int) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", _key(batch_id))
    except Exception:
        # A session lock must not outlive its holder: a connection that cannot release it
        # (its transaction aborted, say) is closed, which releases it; a lost one has already.
        connection.close()


@contextlib.contextmanager
def _locked_file(path: Path, *, wait: bool) -> Iterator[bool]:
    """An exclusive flock on the file now at `path`, removed when released. The holder removes
    it, so a lock taken on a file that was removed meanwhile is dropped and taken again on the
    new one: whoever holds the file at `path` is the only holder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        handle = open(path, "a")  # noqa: SIM115 (closed below, after the lock is released)
        try:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current != os.fstat(handle.fileno()).st_ino:
                continue  # removed by the holder before us; the finally closes it
            try:
                yield True
            finally:
                path.unlink(missing_ok=True)
            return
        finally:
            handle.close()  # closing releases the lock
