"""dahpkg: the immune-mediated diffuse alveolar haemorrhage case series as a data package.

>>> import dahpkg
>>> dahpkg.validate().valid
True

Public API: :func:`open` reads a package once into a :class:`Package`, which every other
function takes as well as a path; one function per command: :func:`load`, :func:`validate`,
:func:`build`, :func:`table1`, :func:`reproduce`, :func:`summarise`, :func:`fair`,
:func:`disclosure_risk`, :func:`template` (a blank data-entry file), :func:`annotate` (a file
back as a workbook, its findings marked), :func:`init` (a centre's own package), :func:`merge`
(centres' packages pooled into a registry), :func:`import_redcap` (a REDCap record export as
the episode table; `dahpkg.redcap`);
:func:`pandera_schema`, the rule catalogue
:data:`RULES`, and the exceptions in :mod:`dahpkg.errors`. Exports are in
:mod:`dahpkg.export`, deposits in :mod:`dahpkg.deposit`. Heavy libraries (pandas, pandera)
are imported on first use, so importing dahpkg stays fast.

The sub-packages follow the flow, each importing only those below it: ``package`` (open and
read) -> ``validation`` (rules and reports) -> ``letter`` and ``privacy`` -> ``export`` ->
``deposit``, with ``cli`` on top (see ARCHITECTURE.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg import _lazy

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "Package",
    "Report",
    "__version__",
    "annotate",
    "build",
    "disclosure_risk",
    "fair",
    "import_redcap",
    "init",
    "load",
    "merge",
    "open",
    "pandera_schema",
    "reproduce",
    "summarise",
    "table1",
    "template",
    "validate",
]

_LAZY = {
    "open": ("dahpkg.package", "open_package"),
    "Package": ("dahpkg.package", "Package"),
    "load": ("dahpkg.package", "load"),
    "validate": ("dahpkg.validation", "validate"),
    "build": ("dahpkg.letter.build", "build"),
    "pandera_schema": ("dahpkg.validation.rules", "pandera_schema"),
    "RULES": ("dahpkg.validation.rules", "RULES"),
    "reproduce": ("dahpkg.letter.reproduce", "reproduce"),
    "fair": ("dahpkg.export.fair", "assess"),
    "init": ("dahpkg.export.init", "init_package"),
    "import_redcap": ("dahpkg.redcap", "import_redcap"),
    "merge": ("dahpkg.export.merge", "merge_packages"),
    "disclosure_risk": ("dahpkg.privacy", "check"),
    "summarise": ("dahpkg.letter.summary", "summarise"),
    "table1": ("dahpkg.letter.table1", "render"),
    "Report": ("dahpkg.validation.report", "Report"),
    "template": ("dahpkg.export.template", "write_template"),
    "annotate": ("dahpkg.export.annotate", "annotate"),
}

if TYPE_CHECKING:
    from dahpkg.export.annotate import annotate
    from dahpkg.export.fair import assess as fair
    from dahpkg.export.init import init_package as init
    from dahpkg.export.merge import merge_packages as merge
    from dahpkg.export.template import write_template as template
    from dahpkg.letter.build import build
    from dahpkg.letter.reproduce import reproduce
    from dahpkg.letter.summary import summarise
    from dahpkg.letter.table1 import render as table1
    from dahpkg.package import Package, load
    from dahpkg.package import open_package as open
    from dahpkg.privacy import check as disclosure_risk
    from dahpkg.redcap import import_redcap
    from dahpkg.validation import validate
    from dahpkg.validation.report import Report
    from dahpkg.validation.rules import RULES, pandera_schema


__getattr__ = _lazy.attributes("dahpkg", _LAZY)
