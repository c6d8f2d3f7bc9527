"""What the supplementary bundle holds: data, package, codebook, statistical files, README,
citation, licence and checksums, all generated from the package and its metadata."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from dahpkg.export.api import Prepared, bundle_descriptor, package_dir, render_file

MANIFEST = "MANIFEST-sha256.txt"

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
    "LICENSE": "the licence of the data",
    MANIFEST: "SHA-256 checksum of every other file",
}


def contents(prepared: Prepared) -> dict[str, bytes]:
    """Every file of the bundle, by its path inside the bundle."""
    descriptor = bundle_descriptor(prepared)
    root = package_dir(prepared)
    files: dict[str, bytes] = {}
    for resource in descriptor["resources"]:
        if resource["name"] == "episodes":
            files[resource["path"]] = render_file("csv", prepared)
        else:
            files[resource["path"]] = (root / resource["path"]).read_bytes()
        if isinstance(resource.get("schema"), str):
            files[resource["schema"]] = (root / resource["schema"]).read_bytes()
    files["datapackage.json"] = (
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n"
    ).encode()
    files["codebook.md"] = render_file("codebook", prepared, suffix=".md")
    files["codebook.html"] = render_file("codebook", prepared, suffix=".html")
    for kind in ("xlsx", "sav", "dta", "parquet"):
        files[f"episodes.{kind}"] = render_file(kind, prepared)
    files["CITATION.cff"] = citation_cff(prepared).encode()
    files["LICENSE"] = licence_text(prepared).encode()
    files["README.md"] = readme(prepared, sorted([*files, "README.md", MANIFEST])).encode()
    files[MANIFEST] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(files.items())
    ).encode()
    return files


def _people(descriptor: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in descriptor.get("contributors", []) if "creator" in c.get("roles", [])]


def _licence(descriptor: dict[str, Any]) -> dict[str, Any]:
    licences = descriptor.get("licenses") or [{}]
    return dict(licences[0])


def _year(prepared: Prepared) -> int:
    return prepared.created.year


def dataset_citation(prepared: Prepared) -> str:
    authors = ", ".join(c.get("title", "") for c in _people(prepared.descriptor))
    version = prepared.descriptor.get("version", "")
    return f"{authors}. {prepared.title} (version {version}) [data set]. {_year(prepared)}."


def data_availability(prepared: Prepared) -> str:
    """A data availability statement drafted from the package's metadata."""
    licence = _licence(prepared.descriptor)
    name = licence.get("name", "the licence stated in LICENSE")
    return (
        f"The episode-level data behind this letter ({prepared.report.episodes} episodes of "
        f"{prepared.report.patients} patients) are available as supplementary material: a "
        "Frictionless Data Package with a codebook and copies for SPSS, Stata, Excel and "
        f"Parquet, released under {name}. Each episode is identified only by a patient number "
        "and an episode number."
        + (" The episodes are those of Table I of the letter, which the package also holds as "
           "printed." if any(r.get("name") == "table1" for r in descriptor_resources(prepared))
           else "")
    )  # fmt: skip


def descriptor_resources(prepared: Prepared) -> list[dict[str, Any]]:
    return list(prepared.descriptor.get("resources", []))


def readme(prepared: Prepared, names: list[str]) -> str:
    descriptor = prepared.descriptor
    sources = [s.get("title", "") for s in descriptor.get("sources", [])]
    licence = _licence(descriptor)
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
        "Cite the letter:", "", *(f"> {s}" for s in sources), "",
        "and, for the data themselves:", "", f"> {dataset_citation(prepared)}", "",
        "## Data availability statement", "", data_availability(prepared), "",
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


def citation_cff(prepared: Prepared) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the data set, referencing the letter."""
    descriptor = prepared.descriptor
    licence = _licence(descriptor)
    lines = [
        "cff-version: 1.2.0",
        'message: "If you use these data, please cite the letter and the data set as below."',
        "type: dataset",
        f"title: {_quoted(prepared.title)}",
        f"version: {_quoted(str(descriptor.get('version', '')))}",
        f"date-released: {_quoted(prepared.created.date().isoformat())}",
        "authors:",
    ]
    for person in _people(descriptor):
        lines.append(
            f"  - family-names: {_quoted(person.get('familyName', person.get('title', '')))}"
        )
        if person.get("givenName"):
            lines.append(f"    given-names: {_quoted(person['givenName'])}")
        if person.get("organization"):
            lines.append(f"    affiliation: {_quoted(person['organization'])}")
        if person.get("email"):
            lines.append(f"    email: {_quoted(person['email'])}")
    if licence.get("name"):
        lines.append(f"license: {_quoted(licence['name'])}")
    if descriptor.get("description"):
        lines.append(f"abstract: {_quoted(str(descriptor['description']))}")
    keywords = descriptor.get("keywords") or []
    if keywords:
        lines.append("keywords:")
        lines += [f"  - {_quoted(k)}" for k in keywords]
    sources = descriptor.get("sources") or []
    if sources:
        lines.append("references:")
        for source in sources:
            lines += [
                "  - type: article",
                f"    title: {_quoted(source.get('title', ''))}",
                "    authors:",
                *(f"      - family-names: {_quoted(p.get('familyName', p.get('title', '')))}"
                  for p in _people(descriptor)),
            ]  # fmt: skip
    return "\n".join(lines) + "\n"


def licence_text(prepared: Prepared) -> str:
    licence = _licence(prepared.descriptor)
    title = licence.get("title") or licence.get("name") or "the licence named in datapackage.json"
    return (
        f"{prepared.title}\n\n"
        f"The data in this bundle are licensed under {title}.\n"
        f"Licence: {licence.get('name', '')}\n"
        f"Legal code: {licence.get('path', '')}\n\n"
        "You may share and adapt the data provided you give appropriate credit: cite the letter "
        "and the data set as README.md and CITATION.cff describe.\n"
    )
