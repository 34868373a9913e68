"""Load test: N concurrent users browsing dashboards and contact lists, bounded in time.

    python -m bench.load --url http://127.0.0.1:8000 [--users 50] [--duration 60] \
        [--login client-admin:steward-demo ...] [--path /metrics/ ...]

Loopback only (the URL must be 127.0.0.1/localhost): point it at gunicorn serving Steward on
PostgreSQL (see docs/performance.md for the set-up). Each simulated user logs in through the
log-in form (its own session and CSRF token), then loops over the pages (dashboards, the
project dashboards found on /metrics/, contact lists with and without a search and a later
page) until the time is up, pausing between pages like a person reading them: a think time
drawn from an exponential distribution with mean --think seconds (default 3; 0 sends the
next request at once, a stress test rather than 50 people). Prints requests, errors, throughput and p50/p95/p99 latency, per
page kind and overall; the exit status is 1 when any request failed.

The log-in accounts default to the demo's client-side users (password steward-demo); repeat
--login USER:PASSWORD to use others. Users are spread over the accounts round-robin.
"""

import argparse
import http.cookiejar
import random
import re
import statistics
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict

DEFAULT_LOGINS = ["admin:steward-demo", "manager:steward-demo", "qa:steward-demo",
                  "lead:steward-demo", "auditor:steward-demo"]
DEFAULT_PATHS = ["/", "/metrics/", "/interactions/", "/interactions/?page=5", "/interactions/?q=refund"]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class User:
    def __init__(self, base: str, username: str, password: str, timeout: float):
        self.base, self.username, self.password, self.timeout = base, username, password, timeout
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with self.opener.open(self.base + path, timeout=self.timeout) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def log_in(self) -> None:
        status, body = self.get("/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or token is None:
            raise RuntimeError(f"log-in page answered {status}")
        data = urllib.parse.urlencode({"username": self.username, "password": self.password,
                                       "csrfmiddlewaretoken": token.group(1).decode()}).encode()
        request = urllib.request.Request(self.base + "/accounts/login/", data=data,
                                         headers={"Referer": self.base + "/accounts/login/"})
        with self.opener.open(request, timeout=self.timeout) as response:
            if "/accounts/login/" in response.url:
                raise RuntimeError(f"log-in as {self.username} failed")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of browsing (default 60)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds before a request counts as failed")
    parser.add_argument("--login", action="append", help="USER:PASSWORD (repeatable)")
    parser.add_argument("--path", action="append", help="a page to browse (repeatable)")
    parser.add_argument("--think", type=float, default=3.0,
                        help="mean seconds a user reads a page before the next (exponential; default 3)")
    args = parser.parse_args(argv)
    host = urllib.parse.urlsplit(args.url).hostname or ""
    if host not in LOOPBACK:
        parser.error("loopback only: --url must point at 127.0.0.1 or localhost")
    logins = [entry.split(":", 1) for entry in (args.login or DEFAULT_LOGINS)]
    paths = list(args.path or DEFAULT_PATHS)

    probe = User(args.url, *logins[0], timeout=args.timeout)
    probe.log_in()
    _, index = probe.get("/metrics/")
    dashboards = sorted(set(re.findall(rb'href="(/metrics/[A-Za-z0-9_-]+/)"', index)))[:5]
    paths += [d.decode() for d in dashboards]

    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    samples: list[str] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(args.users + 1)
    started = threading.Event()  # set once the deadline is: a user must not read it before
    deadline = [0.0]

    def browse(number: int) -> None:
        username, password = logins[number % len(logins)]
        user = User(args.url, username, password, timeout=args.timeout)
        try:
            user.log_in()
        except Exception as error:  # counted, not fatal: the run goes on
            with lock:
                errors["log-in"] += 1
                samples.append(f"log-in {username}: {error}")
        start_gate.wait()
        started.wait()
        i = number
        pause = random.Random(number)
        while time.monotonic() < deadline[0]:
            if args.think > 0:
                time.sleep(min(pause.expovariate(1 / args.think), max(0.0, deadline[0] - time.monotonic())))
                if time.monotonic() >= deadline[0]:
                    break
            path = paths[i % len(paths)]
            i += 1
            began = time.perf_counter()
            try:
                status, _ = user.get(path)
                failed = status >= 400
            except Exception as error:
                status, failed = repr(error), True
            elapsed = (time.perf_counter() - began) * 1000
            kind = path.split("?")[0]
            with lock:
                timings[kind].append(elapsed)
                if failed:
                    errors[kind] += 1
                    if len(samples) < 10:
                        samples.append(f"{path}: {status}")

    threads = [threading.Thread(target=browse, args=(n,), daemon=True) for n in range(args.users)]
    for thread in threads:
        thread.start()
    start_gate.wait()
    began = time.monotonic()
    deadline[0] = began + args.duration
    started.set()
    for thread in threads:
        thread.join(args.duration + args.timeout + 5)
    wall = time.monotonic() - began

    everything = [t for values in timings.values() for t in values]
    print(f"{args.users} users, think time {args.think:g} s (mean), {wall:.1f} s, {len(everything)} requests, "
          f"{len(everything) / wall:.1f} req/s, {sum(errors.values())} errors")
    print(f"{'page':38} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in sorted(timings):
        values = timings[kind]
        print(f"{kind:38} {len(values):9} {errors.get(kind, 0):7} {statistics.median(values):8.0f} "
              f"{percentile(values, 95):8.0f} {percentile(values, 99):8.0f}")
    print(f"{'all':38} {len(everything):9} {sum(errors.values()):7} "
          f"{statistics.median(everything) if everything else float('nan'):8.0f} "
          f"{percentile(everything, 95):8.0f} {percentile(everything, 99):8.0f}")
    for line in samples:
        print("  error:", line)
    return 1 if sum(errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
