"""Benchmark: `dahpkg export supplement` against `dahpkg validate` on the same registry.

Generates a valid synthetic registry (`registry.py`), then runs, each in its own process and on
the same files, `dahpkg validate` and `dahpkg export supplement` (best of N each), and prints
wall time, peak memory and their ratio against the target of issue 15 (the export in at most
10 times the validation). With ``--stages`` it also times each file of the bundle in one
process, to show where the export's time goes. Exits 1 if the target is missed.

    python benchmarks/export.py                       # 100,000 episodes
    python benchmarks/export.py --episodes 20000 --stages
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from run import BIN, best_of, generate, machine, versions

TARGET = 10.0  # the export takes at most this many times the validation
# The synthetic patients are unique by their ages (k = 1), as the shipped ten are: a release
# needs the authors' word, which the benchmark gives.
ACCEPT = ["--risk-accepted", "synthetic registry, no real patient"]


def stages(package: Path) -> list[tuple[str, float, int]]:
    """Each step of the export in this process: the release gate, each file, the zip."""
    from dahpkg.export.archive import zip_entries
    from dahpkg.export.formats import FORMATS, get
    from dahpkg.export.release import prepare

    started = time.perf_counter()
    prepared = prepare(package, risk_accepted=ACCEPT[1])
    steps = [("release gate (privacy check, validation, typed read)",
              time.perf_counter() - started, 0)]  # fmt: skip
    files = {}
    jobs = [("data/episodes.csv", get("csv"), ".csv")]
    jobs += [(name, fmt, v.suffix) for fmt in FORMATS for name, v in fmt.bundle_files()]
    for name, fmt, suffix in jobs:
        started = time.perf_counter()
        files[name] = fmt.render(prepared, suffix)
        steps.append((name, time.perf_counter() - started, len(files[name])))
    started = time.perf_counter()
    archive = zip_entries(files.items(), prepared.created)
    steps.append(("zip of these files", time.perf_counter() - started, len(archive)))
    return steps


def run(episodes: int, runs: int, show_stages: bool, workdir: Path) -> int:
    print(f"# dahpkg export benchmark: {episodes:,} episodes", flush=True)
    print(f"machine: {machine()}; {versions()}\n", flush=True)
    package = workdir / "registry"
    generate(episodes, 0.0, package)
    bundle = workdir / "supplement.zip"
    validate = best_of(runs, "dahpkg validate", [str(BIN / "dahpkg"), "validate", str(package),
                                                 "--quiet"])  # fmt: skip
    export = best_of(runs, "dahpkg export supplement",
                     [str(BIN / "dahpkg"), "export", "supplement", str(package), *ACCEPT,
                      "--output", str(bundle), "--force"])  # fmt: skip
    print("| command | wall (s) | peak RSS (MB) | exit |\n|---|---:|---:|---:|")
    for m in (validate, export):
        print(f"| {m.what} | {m.seconds:.2f} | {m.peak_mb:.0f} | {m.exit_code} |")
    ratio = export.seconds / validate.seconds
    print(f"\n| export / validate (target <= {TARGET:g}) | supplement size (MB) |\n|---:|---:|")
    size = bundle.stat().st_size / 1e6 if bundle.exists() else float("nan")
    print(f"| {ratio:.1f} | {size:.1f} |")
    if show_stages:
        print("\n| step (one process) | wall (s) | bytes |\n|---|---:|---:|")
        for name, seconds, length in stages(package):
            print(f"| {name} | {seconds:.2f} | {length:,} |")
    failed = ratio > TARGET or validate.exit_code != 0 or export.exit_code != 0
    return 1 if failed else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="best of N for each command")
    parser.add_argument("--stages", action="store_true", help="time each file of the bundle")
    parser.add_argument("--keep", type=Path, help="keep the generated registry and zip here")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="dahpkg-export-bench-"))
    try:
        code = run(args.episodes, args.runs, args.stages, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
