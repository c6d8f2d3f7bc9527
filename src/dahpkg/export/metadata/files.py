"""What each file of the bundle is, in one sentence, for the metadata that describe the files
one by one (RO-Crate asks for a description of every file it lists).

The formats' and the metadata files' descriptions come from their registries, the package's
tables from their titles in the descriptor; only the few files every bundle has are named here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg.export.formats import FORMATS

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

# The bundle's own files (written by dahpkg.export.bundle and dahpkg.export.readme).
OWN_FILES = {
    "README.md": "what the data are, how to cite them, and what each file is",
    "datapackage.json": "Frictionless Data Package (v2) descriptor: metadata and resources",
    "LICENSE": "the licence of the data",
    "disclosure-risk.txt": "the disclosure-risk assessment of this release (dahpkg privacy)",
    "MANIFEST-sha256.txt": "SHA-256 checksum of every other file",
}


def descriptions(prepared: Prepared) -> dict[str, str]:
    """Every file a bundle of ``prepared`` may hold, by its path in the bundle, described."""
    # The registry sits in this package's __init__, which imports this module's siblings.
    from dahpkg.export.metadata import METADATA

    described = {**OWN_FILES, **{m.name: m.description for m in METADATA}}
    described.update({name: v.description for f in FORMATS for name, v in f.bundle_files()})
    for resource in prepared.descriptor.get("resources", []):
        title = str(resource.get("title") or resource.get("name", ""))
        if isinstance(resource.get("path"), str):
            described.setdefault(resource["path"], title)
        if isinstance(resource.get("schema"), str):
            described[resource["schema"]] = f"Table Schema of {title}: its fields, types, codes"
    return described
