"""Where an import's time goes: `python -m bench.import_profile [--rows N] [--database D]`.

Imports the benchmark's generated file (bench.interactions_import.generate) into a scratch
database and prints two breakdowns of the one run:
  - every SQL statement the import sends, timed through Django's execute wrapper and grouped
    by what it does to which table (COPY goes around the wrapper: it is inside "_copy" below);
  - the cumulative time of Steward's own functions (cProfile), the slowest first.
The shares explain the throughput `make bench` prints; cProfile slows Python by perhaps a
tenth, and SQL not at all. D is postgres (the default; BENCH_POSTGRES_URL as in make bench) or
sqlite.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench import interactions_import

# The statement's verb and the table it writes (or, for a SELECT, reads first).
VERB = re.compile(r"^\s*(?:WITH\s+\w+\s+AS\s+\(\s*)?(INSERT INTO|UPDATE|DELETE FROM|CREATE TEMP TABLE IF NOT EXISTS|"
                  r"ANALYZE|COPY|SELECT)\s", re.IGNORECASE)
TABLE = re.compile(r"\"?(\w+)")
FROM = re.compile(r"\bFROM\s+\"?(\w+)", re.IGNORECASE)
TOP_FUNCTIONS = 25


def statement_class(sql: str) -> str:
    match = VERB.match(sql)
    if not match:
        return sql.split(None, 1)[0].upper() if sql.strip() else "?"
    verb = match.group(1).upper()
    table = (FROM.search(sql, match.end()) if verb == "SELECT" else TABLE.match(sql, match.end()))
    verb = "CREATE TEMP TABLE" if verb.startswith("CREATE") else verb
    return f"{verb} {table.group(1) if table else ''}".strip()


def child(csv_path: str, rows: int) -> dict:
    project, vendor = interactions_import._setup()
    from django.db import connection

    from steward.interactions import services

    sql: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])

    def timer(execute, statement, params, many, context):
        start = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            entry = sql[statement_class(statement)]
            entry[0] += 1
            entry[1] += time.perf_counter() - start

    profiler = cProfile.Profile()
    start = time.perf_counter()
    with connection.execute_wrapper(timer):
        profiler.enable()
        result = services.import_file(actor=None, project=project, vendor=vendor, path=csv_path, profile="generic")
        profiler.disable()
    total = time.perf_counter() - start
    assert result.inserted == rows and result.rejected == 0, (result.inserted, result.rejected)
    stats = pstats.Stats(profiler)
    functions = []
    for (file, line, name), (_calls, ncalls, _own, cumulative, _callers) in stats.stats.items():
        if "/steward/" in file:
            module = file.split("/steward/", 1)[1].removesuffix(".py").replace("/", ".")
            functions.append((f"{module}.{name}", ncalls, cumulative))
    functions.sort(key=lambda f: -f[2])
    return {"database": connection.vendor, "rows": rows, "total_s": total,
            "sql": sorted(([k, n, s] for k, (n, s) in sql.items()), key=lambda e: -e[2]),
            "functions": functions[:TOP_FUNCTIONS]}


def report(r: dict) -> None:
    total = r["total_s"]
    print(f"\n{r['database']}: {r['rows']:,} contacts imported in {total:.1f} s "
          f"({r['rows'] / total:,.0f} rows/s, with the profiler on)")
    print("\n  SQL statements (wall time as the import waited for them)")
    sql_total = sum(s for _, _, s in r["sql"])
    for name, calls, seconds in r["sql"]:
        if seconds >= total * 0.005:
            print(f"    {name:<58} {calls:>6} × {seconds:>7.2f} s  {seconds / total:6.1%}")
    print(f"    {'all statements through the wrapper':<58} {'':>8} {sql_total:>7.2f} s  {sql_total / total:6.1%}")
    print("\n  Steward's functions (cumulative: each includes what it calls)")
    for name, calls, seconds in r["functions"]:
        print(f"    {name:<58} {calls:>6} × {seconds:>7.2f} s  {seconds / total:6.1%}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import_profile")
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="steward-profile-") as tmp:
        work = Path(tmp)
        csv_path = work / "contacts.csv"
        print(f"Generating {args.rows:,} contacts …", flush=True)
        interactions_import.generate(csv_path, args.rows)
        url = f"sqlite:///{work / 'profile.sqlite3'}" if args.database == "sqlite" else interactions_import._postgres_url()
        if url is None:
            return 1
        out = work / "result.json"
        env = dict(os.environ, DATABASE_URL=url, STEWARD_ENV="test", STEWARD_VAR_DIR=str(work))
        print(f"Importing into {args.database} with the profiler on …", flush=True)
        proc = subprocess.run([sys.executable, "-m", "bench.import_profile", "--child", str(csv_path),
                               str(args.rows), str(out)], env=env, cwd=Path(__file__).resolve().parent.parent)
        if proc.returncode != 0:
            print(f"profile failed (exit {proc.returncode})")
            return proc.returncode
        report(json.loads(out.read_text()))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        csv_path, rows, out = sys.argv[2], int(sys.argv[3]), sys.argv[4]
        Path(out).write_text(json.dumps(child(csv_path, rows)))
        sys.exit(0)
    sys.exit(main())
