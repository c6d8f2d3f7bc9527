"""The examples in dahpkg's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dahpkg

from support.helpers import REPO

# walk_packages descends into the sub-packages (export/, privacy/, ...), not only the top level.
MODULES = sorted(
    m.name for m in pkgutil.walk_packages(dahpkg.__path__, "dahpkg.") if m.name != "dahpkg.__main__"
)


@pytest.mark.parametrize("name", ["dahpkg", *MODULES])
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_public_functions_carry_examples() -> None:
    attempted = sum(
        doctest.testmod(importlib.import_module(n), optionflags=doctest.ELLIPSIS).attempted
        for n in ["dahpkg", *MODULES]
    )
    assert attempted >= 10


def test_every_module_of_every_sub_package_is_run() -> None:
    # the defect this guards against: only dahpkg's top-level modules were run
    assert {"dahpkg.export.formats", "dahpkg.export.archive", "dahpkg.privacy.identifiers",
            "dahpkg.deposit.http", "dahpkg.package.schema"} <= set(MODULES)  # fmt: skip
    on_disk = {p for p in (REPO / "src" / "dahpkg").rglob("*.py") if p.name != "__main__.py"}
    assert len(["dahpkg", *MODULES]) == len(on_disk)  # dahpkg/__init__.py is "dahpkg"
