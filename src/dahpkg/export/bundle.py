"""What the supplementary bundle holds: data, package, codebook, statistical files, README,
citation, licence and checksums, all generated from the package and its metadata."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dahpkg.export.api import Prepared, bundle_descriptor, package_dir, render_file
from dahpkg.progress import silent

if TYPE_CHECKING:
    from dahpkg.metadata import Facts

MANIFEST = "MANIFEST-sha256.txt"
METADATA = ("CITATION.cff", "datacite.json", "datacite.xml", "schema-org.jsonld",
            "ro-crate-metadata.json", "zenodo.json")  # fmt: skip

DESCRIPTIONS = {
    "README.md": "this file: what the data are, how to cite them, the files",
    "datapackage.json": "Frictionless Data Package (v2) descriptor: metadata and resources",
    "codebook.md": "codebook: every variable with its values and labels, and the rules",
    "codebook.html": "the same codebook as a web page",
    "episodes.xlsx": "Excel workbook: sheets data (Yes/No), codebook and rules",
    "episodes.sav": "SPSS file with variable and value labels",
    "episodes.dta": "Stata file with variable and value labels",
    "episodes.parquet": "Parquet file with typed columns (pandas, R arrow, Spark)",
    "CITATION.cff": "how to cite, in the Citation File Format",
    "datacite.json": "DataCite metadata (kernel 4), JSON",
    "datacite.xml": "DataCite metadata (kernel 4), XML",
    "schema-org.jsonld": "schema.org Dataset description (JSON-LD), as search engines read it",
    "ro-crate-metadata.json": "RO-Crate metadata describing every file",
    "zenodo.json": "metadata of the Zenodo deposit",
    "LICENSE": "the licence of the data",
    "disclosure-risk.txt": "the disclosure-risk assessment of this release (dahpkg privacy)",
    MANIFEST: "SHA-256 checksum of every other file",
}


def contents(prepared: Prepared,
             progress: Callable[[str], None] = silent) -> dict[str, bytes]:  # fmt: skip
    """Every file of the bundle, by its path inside the bundle."""
    descriptor = bundle_descriptor(prepared)
    root = package_dir(prepared)
    files: dict[str, bytes] = {}
    for resource in descriptor["resources"]:
        if resource["name"] == "episodes":
            files[resource["path"]] = render_file("csv", prepared)
        else:
            files[resource["path"]] = _released(prepared, (root / resource["path"]).read_bytes())
        if isinstance(resource.get("schema"), str):
            schema = (root / resource["schema"]).read_bytes()
            if prepared.generalisation is not None:
                from dahpkg.privacy import generalise_descriptor

                generalised = generalise_descriptor(json.loads(schema), prepared.generalisation)
                schema = (json.dumps(generalised, indent=2, ensure_ascii=False) + "\n").encode()
            files[resource["schema"]] = schema
    files["datapackage.json"] = (
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    ).encode()
    files["codebook.md"] = render_file("codebook", prepared, suffix=".md")
    files["codebook.html"] = render_file("codebook", prepared, suffix=".html")
    for kind in ("xlsx", "sav", "dta", "parquet"):
        progress(f"writing episodes.{kind}")
        files[f"episodes.{kind}"] = render_file(kind, prepared)
    files["LICENSE"] = licence_text(prepared).encode()
    if prepared.privacy is not None:
        files["disclosure-risk.txt"] = disclosure_text(prepared).encode()
    metadata_names = [*METADATA, "README.md", MANIFEST]
    files["README.md"] = readme(prepared, sorted([*files, *metadata_names])).encode()
    # The metadata describe every file of the bundle (the RO-Crate lists them with sizes).
    from dahpkg.metadata import build

    described = {n: len(d) for n, d in files.items()}
    files.update(build(prepared, described).files)
    files[MANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    return files


def creators(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    """The contributors with the role creator: the authors of the data set."""
    return [c for c in descriptor.get("contributors", []) if "creator" in c.get("roles", [])]


def package_licence(descriptor: dict[str, Any]) -> dict[str, Any]:
    """The first licence of the package (name, path, title), as it proposes it."""
    licences = descriptor.get("licenses") or [{}]
    return dict(licences[0])


def _initials(given: str) -> str:
    """ "Catarina" -> "C"; initials as printed ("AC") stay as they are."""
    if given.isupper() and len(given) <= 3:
        return given
    return "".join(word[0] for word in given.split() if word)


def author_list(descriptor: dict[str, Any]) -> str:
    """The creators as a reference list writes them: family name and initials."""
    return ", ".join(
        f"{p.get('familyName', p.get('title', ''))} {_initials(p.get('givenName', ''))}".strip()
        for p in creators(descriptor)
    )


def letter_citation(descriptor: dict[str, Any]) -> str:
    """The letter the data come from, cited in full from the package's first source."""
    source = (descriptor.get("sources") or [{}])[0]
    parts = [source.get("authors", ""), source.get("title", ""), source.get("note", "")]
    return " ".join(p.rstrip(".") + "." for p in parts if p)


def dataset_citation(prepared: Prepared) -> str:
    version = prepared.descriptor.get("version", "")
    return (f"{author_list(prepared.descriptor)}. {prepared.title} (version {version}) "
            f"[data set]. {prepared.created.year}.")  # fmt: skip


def data_availability(prepared: Prepared) -> str:
    """A data availability statement drafted from the package's metadata."""
    from dahpkg.metadata import Facts

    facts = Facts.read(package_dir(prepared))
    name = facts.licence or package_licence(prepared.descriptor).get("name", "")
    licence = (f"released under {name}" if facts.licence
               else f"to be released under {name}, the licence proposed to the authors"
               if name else "under a licence still to be chosen")  # fmt: skip
    return (
        f"The episode-level data behind this letter ({prepared.report.episodes} episodes of "
        f"{prepared.report.patients} patients) are available as supplementary material: a "
        "Frictionless Data Package with a codebook and copies for SPSS, Stata, Excel and "
        f"Parquet, {licence}."
        + (" The episodes are those of Table I of the letter, which the package also holds as "
           "printed." if any(r.get("name") == "table1" for r in descriptor_resources(prepared))
           else "")
    )  # fmt: skip


def _released(prepared: Prepared, data: bytes) -> bytes:
    """A companion table as released: in a generalised release, the values it records for
    an age column are generalised too (the table of inferred cells records some)."""
    rule = prepared.generalisation
    if rule is None:
        return data
    import io

    import pandas as pd

    table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    if not {"column", "value"} <= set(table.columns):
        return data
    from dahpkg.privacy import age_fields

    ages = [f.name for f in age_fields(prepared.source.schema)]
    rows = table["column"].isin(ages) & table["value"].str.fullmatch(r"\d+")
    values = pd.to_numeric(table.loc[rows, "value"]).astype("Int64")
    table.loc[rows, "value"] = rule.ages(values).astype(str)
    return table.to_csv(index=False, lineterminator="\n").encode()


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
    if prepared.generalisation is not None:
        lines.append("- Table I as printed in the letter is left out of this release: it "
                     "prints the exact ages.")  # fmt: skip
    if prepared.risk_accepted:
        lines.append(f"- Released with the risk acknowledged by the authors: "
                     f"{prepared.risk_accepted}")  # fmt: skip
    return [*lines, "", "The full assessment is in disclosure-risk.txt.", ""]


def descriptor_resources(prepared: Prepared) -> list[dict[str, Any]]:
    return list(prepared.descriptor.get("resources", []))


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
        "Cite the letter:", "", f"> {letter_citation(descriptor)}", "",
        "and, for the data themselves:", "", f"> {dataset_citation(prepared)}", "",
        "## Data availability statement", "", data_availability(prepared), "",
        *disclosure_section(prepared),
        "## Files", "",
        *(f"- `{n}`: {described.get(n, '')}" for n in names), "",
        "## Licence", "",
        f"{licence.get('title') or licence.get('name', '')}: {licence.get('path', '')}. "
        "See LICENSE.", "",
        f"Generated by dahpkg from version {descriptor.get('version', '')} of the package; "
        "every file is listed with its SHA-256 checksum in MANIFEST-sha256.txt.",
    ]  # fmt: skip
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def citation_cff(prepared: Prepared, facts: Facts | None = None) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the data set, referencing the letter.

    DOIs, ORCID iDs and the journal appear only when the authors have given them in
    publication.toml (see :mod:`dahpkg.metadata`).
    """
    from dahpkg.metadata import Facts

    facts = facts or Facts()
    descriptor = prepared.descriptor
    licence = facts.licence or package_licence(descriptor).get("name", "")
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use these data, please cite the letter and the data set as below."',
        "type: dataset",
        f"title: {_quoted(prepared.title)}",
        f"version: {_quoted(str(descriptor.get('version', '')))}",
        f"date-released: {_quoted(prepared.created.date().isoformat())}",
        "authors:",
    ]

    def person_lines(indent: str) -> list[str]:
        out = []
        for person in creators(descriptor):
            family = person.get("familyName", person.get("title", ""))
            out.append(f"{indent}- family-names: {_quoted(family)}")
            if person.get("givenName"):
                out.append(f"{indent}  given-names: {_quoted(person['givenName'])}")
            if person.get("organization"):
                out.append(f"{indent}  affiliation: {_quoted(person['organization'])}")
            if family in facts.orcid:
                out.append(
                    f"{indent}  orcid: {_quoted('https://orcid.org/' + facts.orcid[family])}"
                )
        return out

    lines += person_lines("  ")
    if facts.dataset_doi:
        lines.append(f"doi: {_quoted(facts.dataset_doi)}")
    if licence:
        lines.append(f"license: {_quoted(licence)}")
    if descriptor.get("description"):
        lines.append(f"abstract: {_quoted(str(descriptor['description']))}")
    keywords = descriptor.get("keywords") or []
    if keywords:
        lines.append("keywords:")
        lines += [f"  - {_quoted(k)}" for k in keywords]
    for source in descriptor.get("sources") or []:
        title = _quoted(source.get("title", ""))
        lines += ["references:", "  - type: article", f"    title: {title}", "    authors:",
                  *person_lines("      ")]  # fmt: skip
        if facts.journal:
            lines.append(f"    journal: {_quoted(facts.journal)}")
        if facts.article_doi:
            lines.append(f"    doi: {_quoted(facts.article_doi)}")
        break
    return "\n".join(lines) + "\n"


def licence_text(prepared: Prepared) -> str:
    licence = package_licence(prepared.descriptor)
    name = str(licence.get("name", ""))
    title = licence.get("title") or name or "the licence named in datapackage.json"
    terms = {
        "CC-BY-4.0": "You may share and adapt the data, for any purpose, provided you give "
        "appropriate credit (cite the letter and the data set as README.md and CITATION.cff "
        "describe), link to the licence and indicate if changes were made.",
        "CC0-1.0": "The authors waive their rights in the data to the extent the law allows; "
        "citing the letter and the data set remains good scientific practice.",
    }  # fmt: skip
    return (
        f"{prepared.title}\n\nThe data in this bundle are licensed under {title}.\n"
        f"SPDX identifier: {name}\nLegal code: {licence.get('path', '')}\n\n"
        + terms.get(name, "The legal code at the address above sets the terms.")
        + "\nThis summary is not the legal code, which alone is binding.\n"
    )
