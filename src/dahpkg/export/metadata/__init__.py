"""FAIR metadata, every format derived from one source; the metadata format registry.

The source is `datapackage.json` (title, description, contributors, licence, keywords,
subjects, the letter as source) and its Table Schema (variables and their vocabulary codes),
plus `publication.toml` for the few facts only the authors can give (DOIs, ORCID iDs, the
confirmed licence, the Zenodo community; see `facts`). A fact that is not known stays out of
every file and is listed in `Metadata.unknown`; nothing is invented.

`METADATA` lists the formats, one entry each: the file it writes, its line in the bundle's
README, its builder (one module per format beside this one) and, for a format whose standard
requires a fact that may not be known yet, why it cannot be written yet. Such a file is not
written at all rather than written invalid (DataCite XML requires the DOI, which exists only
once a deposit reserves it); `Metadata.withheld` says why. Adding a metadata format is one
entry here and its module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
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
# Why a format cannot be written yet for a release and its facts: "" when it can.
Missing = Callable[["Prepared", Facts], str]


def _nothing_missing(prepared: Prepared, facts: Facts) -> str:
    return ""


@dataclass(frozen=True)
class MetadataFormat:
    """One metadata file: its name, its line in the bundle README, its builder (of the
    prepared release, the authors' facts, and the bundle's other files with their sizes), and
    what says why it cannot be written yet ("" when it can)."""

    name: str
    description: str
    build: Builder
    missing: Missing = _nothing_missing


METADATA: tuple[MetadataFormat, ...] = (
    MetadataFormat("datacite.json", "DataCite metadata (kernel 4), JSON", datacite.json_file),
    MetadataFormat("datacite.xml", "DataCite metadata (kernel 4), XML", datacite.xml_file,
                   datacite.xml_missing),
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
           "export_metadata", "orcid_checksum_ok", "withheld", "written"]  # fmt: skip


@dataclass(frozen=True)
class Metadata:
    """Every metadata format of one package that can be written, the facts still unknown, and
    the files not written with the reason for each (``withheld``)."""

    prepared: Prepared
    facts: Facts
    files: dict[str, bytes]
    unknown: tuple[str, ...]
    withheld: dict[str, str] = field(default_factory=dict)

    @property
    def notes(self) -> tuple[str, ...]:
        """One line per file not written, saying why and what makes it written."""
        return tuple(f"{name} not written: {why}" for name, why in self.withheld.items())


def withheld(prepared: Prepared) -> dict[str, str]:
    """The metadata files that cannot be written yet for ``prepared``, each with the reason
    (the facts are the release's: publication.toml's, or the DOI a deposit reserved)."""
    facts = prepared.facts
    reasons = {m.name: m.missing(prepared, facts) for m in METADATA}
    return {name: why for name, why in reasons.items() if why}


def written(prepared: Prepared) -> tuple[str, ...]:
    """The names of the metadata files `build` writes for ``prepared``."""
    missing = withheld(prepared)
    return tuple(m.name for m in METADATA if m.name not in missing)


def build(prepared: Prepared, files: dict[str, int] | None = None) -> Metadata:
    """Every metadata format for ``prepared`` that can be written; ``files`` are the bundle's
    files and sizes."""
    facts = prepared.facts
    missing = withheld(prepared)
    formats = [m for m in METADATA if m.name not in missing]
    out = {m.name: m.build(prepared, facts, files or {}) for m in formats}
    return Metadata(prepared, facts, out, unknown_facts(prepared, facts), missing)


def export_metadata(path: PackageLike = None, output: str | Path = "metadata", *,
                    force: bool = False, risk_accepted: str | None = None,
                    generalise: str | None = None,
                    not_identifiers: tuple[str, ...] = ()) -> Metadata:  # fmt: skip
    """Write every metadata format into the folder ``output`` (from a valid package that
    passes the disclosure-risk gate: see `dahpkg.export.release.prepare`). A format whose
    standard needs a fact not known yet is not written: the result's ``withheld`` says why."""
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
