"""Run every benchmark: `python -m bench [--rows N]`."""

import argparse
import sys

from bench import interactions_import

BENCHMARKS = [interactions_import]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--rows", type=int, default=None, help="contacts per import benchmark")
    args = parser.parse_args()
    for module in BENCHMARKS:
        module.main(rows=args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
