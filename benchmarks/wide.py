"""Benchmark: `dahpkg privacy` on a wide episode file, to see how its cost grows with columns.

A hostile or careless file may have thousands of columns and a few rows; every check whose
cost depends on the columns must stay linear in them (issue 13). This writes the shipped
episodes (31 columns, 12 rows) widened with extra columns to N columns in all, runs `dahpkg
privacy FILE.csv` on it in a process of its own, and prints wall time, peak resident memory
and the time per column, so that a quadratic part shows as a time per column that grows.

    python benchmarks/wide.py                              # 5,000, 10,000 and 16,000 columns
    python benchmarks/wide.py --columns 2000 4000 8000 16000 --cells distinct

The extra cells are short numbers repeated across columns (``repeated``), all different
(``distinct``) or empty (``empty``). Run with ``PYTHONPATH=CHECKOUT/src`` to measure another
checkout of dahpkg with the same interpreter.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EPISODES = REPO / "data" / "episodes.csv"


def write_wide(path: Path, columns: int, cells: str) -> None:
    """The shipped episodes with ``columns - 31`` extra columns of ``cells``."""
    with EPISODES.open(encoding="utf-8", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    extra = max(columns - len(header), 0)

    def cell(row: int, column: int) -> str:
        if cells == "empty":
            return ""
        if cells == "distinct":
            return f"v{column}.{row}"
        return str(column % 7)

    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([*header, *(f"extra_{i}" for i in range(extra))])
        for r, row in enumerate(rows):
            writer.writerow([*row, *(cell(r, i) for i in range(extra))])


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident memory (MB) and exit code of ``command``."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    return (time.perf_counter() - started, usage.ru_maxrss / 1024,
            os.waitstatus_to_exitcode(status))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--columns", type=int, nargs="+", default=[5000, 10000, 16000])
    parser.add_argument("--cells", choices=["repeated", "distinct", "empty"], default="repeated")
    parser.add_argument("--runs", type=int, default=1, help="best of N")
    args = parser.parse_args()
    print(f"# dahpkg privacy on a wide file ({args.cells} extra cells, 12 rows)\n")
    print("| columns | wall (s) | ms per column | peak RSS (MB) | exit |")
    print("|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="dahpkg-wide-") as folder:
        for columns in args.columns:
            path = Path(folder) / f"wide-{columns}.csv"
            write_wide(path, columns, args.cells)
            command = [sys.executable, "-m", "dahpkg", "privacy", str(path)]
            seconds, peak, code = min((measure(command) for _ in range(args.runs)),
                                      key=lambda m: m[0])  # fmt: skip
            print(f"| {columns:,} | {seconds:.2f} | {seconds / columns * 1000:.2f} "
                  f"| {peak:.0f} | {code} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
