"""Attributes of a package imported on first use, so that importing the package stays instant."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def attributes(package: str, where: dict[str, tuple[str, str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that imports each attribute of ``where``
    (name -> (module, attribute)) when first asked for.

    >>> getattr_ = attributes("demo", {"dumps": ("json", "dumps")})
    >>> getattr_("dumps")([1])
    '[1]'
    """

    def __getattr__(name: str) -> Any:
        if name in where:
            module, attribute = where[name]
            return getattr(importlib.import_module(module), attribute)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
