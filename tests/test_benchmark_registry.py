"""The benchmark's synthetic registry: valid by construction, and its faults counted exactly."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import dahpkg

from support.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import registry


def test_a_generated_registry_is_valid(tmp_path: Path) -> None:
    frame = registry.generate(3000)
    package = registry.write_package(registry.as_text(frame), tmp_path / "valid")
    report = dahpkg.validate(package)
    assert report.valid and report.passed(strict=True)
    assert report.episodes == 3000 and 2000 < report.patients < 3000


def test_each_injected_fault_is_counted_once(tmp_path: Path) -> None:
    frame = registry.generate(6000)
    text, expected = registry.corrupt(frame, 0.05)
    report = dahpkg.validate(registry.write_package(text, tmp_path / "broken"), max_examples=3)
    counts = {r.rule.id: r.failed for r in report.results if r.failed}
    assert counts == expected
    assert all(n > 0 for n in expected.values())
    assert len(report.to_dict()["findings"]) <= 3 * len(expected)
    assert json.dumps(report.to_dict())  # serialisable
