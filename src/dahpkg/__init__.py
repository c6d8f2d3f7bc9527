"""dahpkg: the immune-mediated diffuse alveolar haemorrhage case series as a data package.

>>> import dahpkg
>>> dahpkg.validate().valid
True

Public API, one function per command: :func:`load`, :func:`validate`, :func:`build`,
:func:`table1`, :func:`reproduce`, :func:`summarise`, :func:`fair`,
:func:`disclosure_risk`; :func:`pandera_schema`, the rule
catalogue :data:`RULES`, and the exceptions in :mod:`dahpkg.errors`. Heavy libraries
(pandas, pandera) are imported on first use, so importing dahpkg stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "Report",
    "__version__",
    "build",
    "disclosure_risk",
    "fair",
    "load",
    "pandera_schema",
    "reproduce",
    "summarise",
    "table1",
    "validate",
]

_LAZY = {
    "load": ("dahpkg.package", "load"),
    "validate": ("dahpkg.validation", "validate"),
    "build": ("dahpkg.build", "build"),
    "pandera_schema": ("dahpkg.rules", "pandera_schema"),
    "RULES": ("dahpkg.rules", "RULES"),
    "reproduce": ("dahpkg.claims", "reproduce"),
    "fair": ("dahpkg.fair", "assess"),
    "disclosure_risk": ("dahpkg.privacy", "check"),
    "summarise": ("dahpkg.summary", "summarise"),
    "table1": ("dahpkg.tablei", "render"),
    "Report": ("dahpkg.report", "Report"),
}

if TYPE_CHECKING:
    from dahpkg.build import build
    from dahpkg.claims import reproduce
    from dahpkg.fair import assess as fair
    from dahpkg.package import load
    from dahpkg.privacy import check as disclosure_risk
    from dahpkg.report import Report
    from dahpkg.rules import RULES, pandera_schema
    from dahpkg.summary import summarise
    from dahpkg.tablei import render as table1
    from dahpkg.validation import validate


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'dahpkg' has no attribute {name!r}")
