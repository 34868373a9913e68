"""Run every benchmark: `python -m bench [--rows N]`."""

import argparse
import sys

from bench import compliance, forecast, interactions_import, kpi, staffing

BENCHMARKS = [interactions_import, kpi, compliance, staffing, forecast]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rows", type=int, default=None, help="contacts per benchmark (import file; KPI project-month)")
    args = parser.parse_args()
    for module in BENCHMARKS:
        module.main(rows=args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
