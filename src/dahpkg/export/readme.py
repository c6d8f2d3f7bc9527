"""The bundle's README (what the data are, how to cite them, the files), its LICENSE and its
disclosure-risk assessment, written from the prepared release."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg.export.formats import FORMATS
from dahpkg.export.metadata import METADATA
from dahpkg.export.metadata.facts import (
    article_word,
    dataset_citation,
    package_licence,
    source_citation,
)
from dahpkg.letter.scope import is_letter_package

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

MANIFEST = "MANIFEST-sha256.txt"

# What each file of the bundle is: the package's own files here, the formats' and metadata
# files' from their registries.
DESCRIPTIONS = {
    "README.md": "this file: what the data are, how to cite them, the files",
    "datapackage.json": "Frictionless Data Package (v2) descriptor: metadata and resources",
    **{name: v.description for f in FORMATS for name, v in f.bundle_files()},
    **{m.name: m.description for m in METADATA},
    "LICENSE": "the licence of the data",
    "disclosure-risk.txt": "the disclosure-risk assessment of this release (dahpkg privacy)",
    MANIFEST: "SHA-256 checksum of every other file",
}


def data_availability(prepared: Prepared) -> str:
    """A data availability statement drafted from the package's metadata."""
    facts = prepared.facts
    name = facts.licence or package_licence(prepared.descriptor).get("name", "")
    licence = (f"released under {name}" if facts.licence
               else f"to be released under {name}, the licence proposed to the authors"
               if name else "under a licence still to be chosen")  # fmt: skip
    resources = prepared.descriptor.get("resources", [])
    # The counts are the release's own, from its data; the letter is named only by its package.
    behind = (f"behind this {article_word(prepared).removeprefix('the ')}"
              if _article(prepared) else "of this case series")  # fmt: skip
    return (
        f"The episode-level data {behind} ({prepared.report.episodes} episodes of "
        f"{prepared.report.patients} patients) are available as supplementary material: a "
        "Frictionless Data Package with a codebook and copies for SPSS, Stata, Excel and "
        f"Parquet, {licence}."
        + (" The episodes are those of Table I of the letter, which the package also holds as "
           "printed." if any(r.get("name") == "table1" for r in resources)
           else "")
    )  # fmt: skip


def _article(prepared: Prepared) -> str:
    """The citation of the article the package names (its source, else its DOI); "" for
    none."""
    doi = prepared.facts.article_doi
    return source_citation(prepared.descriptor) or (f"https://doi.org/{doi}" if doi else "")


def _how_to_cite(prepared: Prepared) -> list[str]:
    # The data set's DOI, from publication.toml or the deposit that reserved it: a deposited
    # README cites the record it is in.
    doi = prepared.facts.dataset_doi
    data = f"> {dataset_citation(prepared)}" + (f" https://doi.org/{doi}" if doi else "")
    article = _article(prepared)
    if not article:
        return ["Cite the data set:", "", data, ""]
    return [f"Cite {article_word(prepared)}:", "", f"> {article}", "",
            "and, for the data themselves:", "", data, ""]  # fmt: skip


def disclosure_text(prepared: Prepared) -> str:
    """The privacy report as the bundle carries it: no local paths, and the acknowledgement."""
    from dataclasses import replace
    from pathlib import Path

    from dahpkg.privacy import render_text

    assert prepared.privacy is not None
    version = prepared.descriptor.get("version", "")
    report = replace(prepared.privacy, source=f"{prepared.title} (version {version})",
                     files=tuple(Path(f).name for f in prepared.privacy.files))  # fmt: skip
    text = render_text(report)
    if prepared.risk_accepted:
        text += f"\nReleased with the risk acknowledged by the authors: {prepared.risk_accepted}\n"
    return text


def disclosure_section(prepared: Prepared) -> list[str]:
    if prepared.privacy is None:
        return []
    lines = ["## Disclosure risk", "", *prepared.privacy.summary_lines()]
    if prepared.generalisation is not None and is_letter_package(prepared.package):
        lines.append("- Table I as printed in the letter is left out of this release: it "
                     "prints the exact ages.")  # fmt: skip
    if prepared.risk_accepted:
        lines.append(f"- Released with the risk acknowledged by the authors: "
                     f"{prepared.risk_accepted}")  # fmt: skip
    return [*lines, "", "The full assessment is in disclosure-risk.txt.", ""]


def confirmations_section(prepared: Prepared) -> list[str]:
    """The confirmed exceptions: findings of dahpkg's clinical rules that the authors reviewed
    and confirmed as correct (see `dahpkg.validation.confirm`), each with its reason."""
    listed = prepared.report.confirmations
    if not listed:
        return []
    lines = [
        "## Confirmed exceptions", "",
        f"{len(listed)} finding(s) of dahpkg's clinical rules were reviewed by the authors and "
        "confirmed as clinically correct; they are recorded in the package's confirmations "
        "table and do not fail validation:", "",
    ]  # fmt: skip
    lines += [
        f"- patient {c.patient_id}, episode {c.episode}, rule `{c.rule}`: "
        + " ".join(c.reason.split())
        for c in listed
    ]
    return [*lines, ""]


def readme(prepared: Prepared, names: list[str]) -> str:
    descriptor = prepared.descriptor
    licence = package_licence(descriptor)
    described = {**DESCRIPTIONS}
    for resource in descriptor.get("resources", []):
        if isinstance(resource.get("path"), str):
            described[resource["path"]] = str(resource.get("title") or resource["name"])
        if isinstance(resource.get("schema"), str):
            described[resource["schema"]] = f"Table Schema of {resource['name']}"
    lines = [
        f"# {prepared.title}", "",
        str(descriptor.get("description", "")), "",
        "## How to cite", "",
        *_how_to_cite(prepared),
        "## Data availability statement", "", data_availability(prepared), "",
        *disclosure_section(prepared),
        *confirmations_section(prepared),
        "## Files", "",
        *(f"- `{n}`: {described.get(n, '')}" for n in names), "",
        "## Licence", "",
        f"{licence.get('title') or licence.get('name', '')}: {licence.get('path', '')}. "
        "See LICENSE.", "",
        f"Generated by dahpkg from version {descriptor.get('version', '')} of the package; "
        "every file is listed with its SHA-256 checksum in MANIFEST-sha256.txt.",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def licence_text(prepared: Prepared) -> str:
    licence = package_licence(prepared.descriptor)
    name = str(licence.get("name", ""))
    title = licence.get("title") or name or "the licence named in datapackage.json"
    cite = f"{article_word(prepared)} and the data set" if _article(prepared) else "the data set"
    terms = {
        "CC-BY-4.0": "You may share and adapt the data, for any purpose, provided you give "
        f"appropriate credit (cite {cite} as README.md and CITATION.cff "
        "describe), link to the licence and indicate if changes were made.",
        "CC0-1.0": "The authors waive their rights in the data to the extent the law allows; "
        f"citing {cite} remains good scientific practice.",
    }  # fmt: skip
    return (
        f"{prepared.title}\n\nThe data in this bundle are licensed under {title}.\n"
        f"SPDX identifier: {name}\nLegal code: {licence.get('path', '')}\n\n"
        + terms.get(name, "The legal code at the address above sets the terms.")
        + "\nThis summary is not the legal code, which alone is binding.\n"
    )
