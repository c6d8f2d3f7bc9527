"""A later version of a package already published continues its record: the state file knows
the deposition, so a run without --new-version-of never makes a second dataset beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from support.dataverse_double import COLLECTION, TOKEN, DataverseDouble
from support.helpers import CONSENT


@pytest.fixture
def double() -> Iterator[DataverseDouble]:
    server = DataverseDouble(lock_seconds=0.05).start()
    yield server
    server.stop()


def dahpkg(double: DataverseDouble, state: Path, *args: str) -> tuple[int, str]:
    done = CliRunner().invoke(
        main,
        ["deposit", "dataverse", *args, "--base-url", double.url, "--collection", COLLECTION,
         "--state-file", str(state), "--risk-accepted", CONSENT, "--publish"],
        env={"DATAVERSE_TOKEN": TOKEN},
    )  # fmt: skip
    return done.exit_code, done.output


def bump(package: Path, version: str) -> None:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["version"] = version
    path.write_text(json.dumps(descriptor, indent=2))


def test_a_later_version_becomes_a_new_version_of_the_same_dataset(
    double: DataverseDouble, tmp_path: Path, package: Path
) -> None:
    state = tmp_path / "state.json"
    assert dahpkg(double, state, str(package))[0] == 0
    bump(package, "0.2.0")
    code, output = dahpkg(double, state, str(package))
    assert code == 0, output
    assert "version 0.1.0 of this package is published as deposition" in output
    (dataset,) = double.datasets.values()
    assert [v.number for v in dataset.versions] == [(1, 0), (2, 0)]
    bump(package, "0.3.0")
    assert dahpkg(double, state, str(package))[0] == 0
    assert len(double.datasets) == 1 and len(dataset.versions) == 3


def test_an_explicit_choice_and_an_unpublished_version_are_left_alone(
    double: DataverseDouble, tmp_path: Path, package: Path
) -> None:
    state = tmp_path / "state.json"
    # Nothing published yet: a draft of 0.1.0 does not make 0.2.0 its new version.
    done = CliRunner().invoke(
        main,
        ["deposit", "dataverse", str(package), "--base-url", double.url, "--collection",
         COLLECTION, "--state-file", str(state), "--risk-accepted", CONSENT],
        env={"DATAVERSE_TOKEN": TOKEN},
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    bump(package, "0.2.0")
    code, output = dahpkg(double, state, str(package))
    assert code == 0 and "is deposited as its new version" not in output
    assert len(double.datasets) == 2
