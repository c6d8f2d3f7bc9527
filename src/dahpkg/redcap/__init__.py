"""REDCap in and out: a data dictionary made from the Table Schema, and a REDCap record export
read back into the tidy episode table. Sits beside letter and privacy: it reads the schema and
validates, and writes no package.

`dictionary_csv` (``dahpkg template --format redcap``) writes the dictionary of a project
whose records are patients, with a repeating instrument for the DAH episodes;
`import_redcap` and `write_episodes` (``dahpkg import redcap``) bring the project's export back.
The modules: `design` (the project a schema makes, and REDCap's names), `dictionary` (the
dictionary written and read back), `reading` (a REDCap CSV file as text), `header` (the kind
of export, and each variable's columns), `values` (what a cell stands for), `records` (an
export to the episode table), `problems` (what could not be carried over, at its REDCap
place) and `importing` (the import itself).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg import _lazy

__getattr__ = _lazy.attributes(
    "dahpkg.redcap",
    {
        "Project": ("dahpkg.redcap.design", "Project"),
        "project": ("dahpkg.redcap.design", "project"),
        "dictionary_csv": ("dahpkg.redcap.dictionary", "dictionary_csv"),
        "read_dictionary": ("dahpkg.redcap.dictionary", "read_dictionary"),
        "RedcapImport": ("dahpkg.redcap.importing", "RedcapImport"),
        "check_output": ("dahpkg.redcap.importing", "check_output"),
        "import_redcap": ("dahpkg.redcap.importing", "import_redcap"),
        "write_episodes": ("dahpkg.redcap.importing", "write_episodes"),
    },
)

if TYPE_CHECKING:
    from dahpkg.redcap.design import Project, project
    from dahpkg.redcap.dictionary import dictionary_csv, read_dictionary
    from dahpkg.redcap.importing import (
        RedcapImport,
        check_output,
        import_redcap,
        write_episodes,
    )

__all__ = [
    "Project",
    "RedcapImport",
    "check_output",
    "dictionary_csv",
    "import_redcap",
    "project",
    "read_dictionary",
    "write_episodes",
]
