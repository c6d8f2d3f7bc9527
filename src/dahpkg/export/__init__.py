"""Exports of a valid package: single files for statistical software, the journal's bundle, its
metadata and the FAIR self-assessment.

Every export starts from the release gate (`release.prepare`): the package validates and passes
the disclosure-risk check; its episodes are read typed, unknown columns are never written, and
every file is produced in memory and written atomically, refusing to replace an existing file
unless asked to. The modules: `release` (the gate), `formats` (the format registry and one
module per format), `metadata` (the metadata format registry and one module per format),
`bundle` and `readme` (what the supplementary zip holds), `supplement` (the zip), `archive`
(deterministic zips), `write` (atomic files), `fair` (the FAIR self-assessment), and for
contributing centres `template` (a blank data-entry file), `annotate` (their file back with
its findings marked), `look` (how a dahpkg workbook looks), `init` (a centre's own package)
and `merge` (centres' packages pooled into a registry).
"""

from __future__ import annotations

from dahpkg.export.formats import FORMATS
from dahpkg.export.merge import Merged, merge_packages
from dahpkg.export.release import Prepared, prepare
from dahpkg.export.supplement import Bundle, Supplement, build_supplement, export_supplement
from dahpkg.export.write import export_file

__all__ = [
    "FORMATS",
    "Bundle",
    "Merged",
    "Prepared",
    "Supplement",
    "build_supplement",
    "export_file",
    "export_supplement",
    "merge_packages",
    "prepare",
]
