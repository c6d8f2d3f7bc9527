"""The examples in dahpkg's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dahpkg

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(dahpkg.__path__, "dahpkg.") if m.name != "dahpkg.__main__"
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
