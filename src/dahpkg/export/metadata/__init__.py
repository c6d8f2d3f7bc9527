"""FAIR metadata, every format derived from one source; the metadata format registry.

The source is `datapackage.json` (title, description, contributors, licence, keywords,
subjects, the letter as source) and its Table Schema (variables and their vocabulary codes),
plus `publication.toml` for the few facts only the authors can give (DOIs, ORCID iDs, the
confirmed licence, the Zenodo community; see `facts`). A fact that is not known stays out of
every file and is listed in `Metadata.unknown`; nothing is invented.

`METADATA` lists the formats, one entry each: the file it writes, its line in the bundle's
README, and its builder (one module per format beside this one). Adding a
metadata format is one entry here and its module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dahpkg.errors import InputError
from dahpkg.export.metadata import citation, datacite, ro_crate, schema_org, zenodo
from dahpkg.export.metadata.facts import unknown_facts
from dahpkg.package import PackageLike
from dahpkg.package.publication import Facts, orcid_checksum_ok

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

Builder = Callable[["Prepared", Facts, dict[str, int]], bytes]


@dataclass(frozen=True)
class MetadataFormat:
    """One metadata file: its name, its line in the bundle README, and its builder (of the
    prepared release, the authors' facts, and the bundle's other files with their sizes)."""

    name: str
    description: str
    build: Builder


METADATA: tuple[MetadataFormat, ...] = (
    MetadataFormat("datacite.json", "DataCite metadata (kernel 4), JSON", datacite.json_file),
    MetadataFormat("datacite.xml", "DataCite metadata (kernel 4), XML", datacite.xml_file),
    MetadataFormat("schema-org.jsonld",
                   "schema.org Dataset description (JSON-LD), as search engines read it",
                   schema_org.jsonld_file),
    MetadataFormat("CITATION.cff", "how to cite, in the Citation File Format", citation.cff_file),
    MetadataFormat("ro-crate-metadata.json", "RO-Crate metadata describing every file",
                   ro_crate.json_file),
    MetadataFormat("zenodo.json", "metadata of the Zenodo deposit", zenodo.json_file),
)  # fmt: skip
FILES = tuple(m.name for m in METADATA)

__all__ = ["FILES", "METADATA", "Facts", "Metadata", "MetadataFormat", "build",
           "export_metadata", "orcid_checksum_ok"]  # fmt: skip


@dataclass(frozen=True)
class Metadata:
    """Every metadata format of one package, and the facts still unknown."""

    prepared: Prepared
    facts: Facts
    files: dict[str, bytes]
    unknown: tuple[str, ...]


def build(prepared: Prepared, files: dict[str, int] | None = None) -> Metadata:
    """Every metadata format for ``prepared``; ``files`` are the bundle's files and sizes."""
    facts = prepared.facts
    out = {m.name: m.build(prepared, facts, files or {}) for m in METADATA}
    return Metadata(prepared, facts, out, unknown_facts(prepared, facts))


def export_metadata(path: PackageLike = None, output: str | Path = "metadata", *,
                    force: bool = False, risk_accepted: str | None = None,
                    generalise: str | None = None,
                    not_identifiers: tuple[str, ...] = ()) -> Metadata:  # fmt: skip
    """Write every metadata format into the folder ``output`` (from a valid package that
    passes the disclosure-risk gate: see `dahpkg.export.release.prepare`)."""
    from dahpkg.export.release import prepare
    from dahpkg.export.write import write_new_files

    prepared = prepare(path, risk_accepted=risk_accepted, generalise=generalise,
                       not_identifiers=not_identifiers)  # fmt: skip
    if prepared.package.descriptor_path is None:
        raise InputError("metadata need a data package (datapackage.json), not a loose file")
    result = build(prepared)
    folder = Path(output)
    write_new_files({folder / name: data for name, data in result.files.items()}, force=force)
    return result
