"""The export benchmark's steps run on a small registry and time every file of the bundle."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from support.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import registry

# Loaded by its path: "export" is also the name of a folder of tests.
BENCHMARK = REPO / "benchmarks" / "export.py"
_spec = importlib.util.spec_from_file_location("export_benchmark", BENCHMARK)
assert _spec is not None and _spec.loader is not None
benchmark = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark)


def test_the_stages_time_every_file_and_the_zip(tmp_path: Path) -> None:
    package = registry.write_package(registry.as_text(registry.generate(500)), tmp_path / "r")
    steps = {name: (seconds, size) for name, seconds, size in benchmark.stages(package)}
    expected = {"data/episodes.csv", "episodes.xlsx", "episodes.sav", "zip of these files"}
    assert expected <= set(steps)
    assert all(seconds >= 0 for seconds, _ in steps.values())
    assert steps["zip of these files"][1] > steps["episodes.xlsx"][1] > 1000
