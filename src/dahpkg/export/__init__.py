"""Exports of a valid package: single files for statistical software, and the journal bundle.

Every export starts from a package that validates (`dahpkg.validate`); its episodes are read
typed (`dahpkg.load`), unknown columns are never written, and every file is produced in memory
and written atomically, refusing to replace an existing file unless asked to.
"""

from __future__ import annotations

from dahpkg.export.api import FORMATS, export_file, export_supplement, render_file

__all__ = ["FORMATS", "export_file", "export_supplement", "render_file"]
