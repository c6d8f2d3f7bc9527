"""Fixtures: copies of the real package, broken on purpose by the tests that need it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from support.helpers import REPO, Edit, read_rows, write_rows


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the shipped data package in a temporary folder."""
    target = tmp_path / "pkg"
    target.mkdir()
    shutil.copy2(REPO / "datapackage.json", target / "datapackage.json")
    shutil.copytree(REPO / "schema", target / "schema")
    shutil.copytree(REPO / "data", target / "data")
    return target


@pytest.fixture
def broken(package: Path) -> Callable[[Edit], Path]:
    """Apply an edit to the copied episode table and return the package folder."""

    def apply(edit: Edit) -> Path:
        path = package / "data" / "episodes.csv"
        header, rows = read_rows(path)
        result = edit(header, rows)
        if isinstance(result, str):
            path.write_text(result, encoding="utf-8")
            return package
        if result is not None:
            header, rows = result
        write_rows(path, header, rows)
        return package

    return apply
