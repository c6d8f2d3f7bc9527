"""Benchmark: dahpkg validate against frictionless validate and a bare CSV parse.

Generates a synthetic registry (valid, and with a share of rows corrupted), then runs on the
same files, each in its own process: `dahpkg validate`, `frictionless validate
datapackage.json`, and a process that only imports pandas and reads the CSV (the floor).
Prints wall time and peak memory for each, the ratios against the targets of issue 4, and
checks that dahpkg's failure count for every rule equals the number of faults injected.

    python benchmarks/run.py                 # 1,000,000 episodes, 1% corrupted
    python benchmarks/run.py --episodes 100000 --skip-frictionless

Run from the repository with dahpkg and frictionless installed (pip install ".[test]").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
# The floor: only import pandas and read the CSV. Rows with an extra cell (in the corrupted
# registry) are skipped, as pandas would otherwise stop at the first one.
PARSE = "import pandas, sys; pandas.read_csv(sys.argv[1], on_bad_lines='skip')"
BIN = Path(sys.executable).parent


@dataclass
class Measure:
    what: str
    seconds: float
    peak_mb: float
    exit_code: int


def measure(what: str, command: list[str]) -> Measure:
    """Run ``command`` in its own process; wall time and its peak resident memory."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    return Measure(what, seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))


def best_of(runs: int, what: str, command: list[str]) -> Measure:
    return min((measure(what, command) for _ in range(runs)), key=lambda m: m.seconds)


def machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split()[1])
        memory = f", {total_kb / 1024 / 1024:.0f} GiB"
    return (
        f"{os.cpu_count()} cores{memory}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}"
    )


def generate(episodes: int, fault_rate: float, target: Path) -> dict[str, int]:
    """Write a registry package in a separate process, so that this one stays small: a
    child's peak memory includes what it shares with its parent when forked."""
    command = [sys.executable, str(HERE / "registry.py"), str(episodes), "--output", str(target),
               "--fault-rate", str(fault_rate)]  # fmt: skip
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    expected: dict[str, int] = json.loads((target / "expected.json").read_text())
    return expected


def versions() -> str:
    code = "import pandas, pyarrow; print(pandas.__version__, pyarrow.__version__)"
    pandas, pyarrow = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout.split()
    return f"pandas {pandas}, pyarrow {pyarrow}"


def run(episodes: int, fault_rate: float, runs: int, skip_frictionless: bool,
        workdir: Path) -> int:  # fmt: skip
    print(f"# dahpkg benchmark: {episodes:,} episodes", flush=True)
    print(f"machine: {machine()}; {versions()}\n", flush=True)
    cases = {"valid": 0.0}
    if fault_rate:
        cases[f"{fault_rate:.0%} corrupted"] = fault_rate
    failures = 0
    print("| registry | command | wall (s) | peak RSS (MB) | exit |")
    print("|---|---|---:|---:|---:|")
    ratios = []
    for name, rate in cases.items():
        package = workdir / name.replace(" ", "-").replace("%", "")
        expected = generate(episodes, rate, package)
        csv_path = package / "data" / "episodes.csv"
        report = package / "report.json"
        results = [
            best_of(runs, "dahpkg validate", [str(BIN / "dahpkg"), "validate", str(package),
                                              "--format", "json", "--output", str(report),
                                              "--force"]),
            best_of(runs, "bare CSV parse (pandas.read_csv)",
                    [sys.executable, "-c", PARSE,
                     str(csv_path)]),
        ]  # fmt: skip
        if not skip_frictionless:
            # Without a higher limit frictionless stops at its 1,000th error and leaves the rest
            # of a corrupted file unread.
            command = [
                str(BIN / "frictionless"),
                "validate",
                str(package / "datapackage.json"),
                "--limit-errors",
                "100000000",
            ]
            results.append(measure("frictionless validate", command))
        for m in results:
            print(f"| {name} | {m.what} | {m.seconds:.2f} | {m.peak_mb:.0f} | {m.exit_code} |")
        dahpkg_run, bare = results[0], results[1]
        frictionless = results[2] if len(results) > 2 else None
        ratios.append((name, dahpkg_run, bare, frictionless))
        counts = {r["rule"]: r["failures"] for r in json.loads(report.read_text())["rules"]
                  if r["failures"]}  # fmt: skip
        if counts != expected:
            failures += 1
            print(f"\n**{name}: failure counts differ**: expected {expected}, got {counts}")
        else:
            size = report.stat().st_size
            print(
                f"| {name} | failure counts per rule equal the {sum(expected.values())} "
                f"injected faults; JSON report {size / 1024:.0f} KB | | | |"
            )
    print(
        "\n| registry | dahpkg / bare parse (target <= 4) | frictionless / dahpkg "
        "(target >= 10) | dahpkg peak RSS (target < 2048 MB) |"
    )
    print("|---|---:|---:|---:|")
    for name, d, b, f in ratios:
        speedup = f"{f.seconds / d.seconds:.1f}" if f else "not run"
        print(f"| {name} | {d.seconds / b.seconds:.2f} | {speedup} | {d.peak_mb:.0f} |")
        failures += d.seconds / b.seconds > 4 or d.peak_mb >= 2048
        failures += bool(f) and f.seconds / d.seconds < 10
    help_run = best_of(5, "dahpkg --help", [str(BIN / "dahpkg"), "--help"])
    shipped = best_of(3, "dahpkg validate (shipped package)", [str(BIN / "dahpkg"), "validate"])
    print(
        f"\n| start-up | wall (s) | target |\n|---|---:|---:|\n"
        f"| dahpkg --help | {help_run.seconds:.2f} | < 0.3 |\n"
        f"| dahpkg validate, shipped 12 episodes | {shipped.seconds:.2f} | < 1.5 |"
    )
    failures += help_run.seconds >= 0.3 or shipped.seconds >= 1.5
    return 1 if failures else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=1_000_000)
    parser.add_argument("--fault-rate", type=float, default=0.01)
    parser.add_argument("--runs", type=int, default=3, help="best of N for dahpkg and the parse")
    parser.add_argument("--skip-frictionless", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the generated packages here")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="dahpkg-bench-"))
    try:
        code = run(args.episodes, args.fault_rate, args.runs, args.skip_frictionless, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
