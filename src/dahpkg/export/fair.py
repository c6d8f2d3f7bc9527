"""A FAIR self-assessment against the FAIRsFAIR data-object metrics that can be checked offline.

The metric ids are those of F-UJI's metrics v0.5 (FsF-...). Each check looks at the files
`dahpkg export supplement` would deposit and the metadata derived for them; it passes or fails,
shows its evidence, and says what to do to pass. Checks that need the network (that a DOI
resolves, that DataCite has registered it) are left to F-UJI once the deposit is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dahpkg.export.formats import FORMATS
from dahpkg.export.metadata.facts import LICENCE_URLS, article_word, unknown_facts
from dahpkg.letter.scope import is_letter_package
from dahpkg.package import PackageLike
from dahpkg.package.publication import DOI

OPEN_FORMATS = {".csv": "CSV", ".tsv": "TSV", ".json": "JSON", ".parquet": "Parquet"}
KNOWN_VOCABULARIES = {
    "http://purl.obolibrary.org/obo/HP_": "HPO",
    "http://www.orpha.net/ORDO/Orphanet_": "ORDO",
    "http://id.nlm.nih.gov/mesh/": "MeSH",
    "https://icd.who.int/": "ICD-10",
}


@dataclass(frozen=True)
class Check:
    """One metric: whether it passes, the evidence, and what to do to pass."""

    id: str
    principle: str
    title: str
    passed: bool
    evidence: str
    action: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "principle": self.principle, "title": self.title,
                "result": "pass" if self.passed else "fail", "evidence": self.evidence,
                "to_pass": self.action}  # fmt: skip


@dataclass(frozen=True)
class Assessment:
    source: str
    checks: tuple[Check, ...]
    unknown: tuple[str, ...]

    @property
    def failed(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.passed)

    def headline(self) -> str:
        return (f"FAIR self-assessment: {len(self.checks) - len(self.failed)} of "
                f"{len(self.checks)} offline metrics pass")  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "passed": len(self.checks) - len(self.failed),
                "failed": len(self.failed), "checks": [c.to_dict() for c in self.checks],
                "unknown_facts": list(self.unknown)}  # fmt: skip


def assess(path: PackageLike = None) -> Assessment:
    """Assess the package of ``path`` (default: the shipped one) as it would be deposited.

    >>> result = assess()
    >>> [c.id for c in result.failed]
    ['FsF-F1-01D', 'FsF-F1-02D', 'FsF-F2-01M', 'FsF-I3-01M']
    """
    from dahpkg.export.bundle import contents
    from dahpkg.export.release import prepare

    prepared = prepare(path, gate=False)  # an assessment: nothing leaves the machine
    files = contents(prepared)
    meta = {name: files[name] for name in ("datacite.json", "schema-org.jsonld",
                                           "ro-crate-metadata.json", "zenodo.json")}  # fmt: skip
    datacite = json.loads(meta["datacite.json"])
    dataset = json.loads(meta["schema-org.jsonld"])
    crate = json.loads(meta["ro-crate-metadata.json"])
    deposit = json.loads(meta["zenodo.json"])["metadata"]
    facts = prepared.facts
    letter, descriptor = is_letter_package(prepared.package), prepared.descriptor
    checks = [
        _identifier(facts.dataset_doi, "FsF-F1-01D", "F1", "Data are assigned a globally unique "
                    "identifier"),
        _identifier(facts.dataset_doi, "FsF-F1-02D", "F1", "Data are assigned a persistent "
                    "identifier"),
        _core_metadata(datacite),
        _data_identifiers(dataset, files),
        _searchable(dataset),
        _access(dataset, deposit),
        _formal(dataset, crate),
        _vocabularies(datacite),
        _related(facts.article_doi, article_word(prepared), bool(descriptor.get("sources"))),
        _content(datacite, dataset, prepared.schema.names),
        _licence(datacite, facts.licence),
        _provenance(dataset, datacite, letter),
        _standards(prepared.descriptor, datacite, dataset, crate),
        _formats(files),
    ]  # fmt: skip
    return Assessment(prepared.package.name, tuple(checks), unknown_facts(prepared, facts))


def _identifier(doi: str, metric: str, principle: str, title: str) -> Check:
    if doi and DOI.match(doi):
        return Check(metric, principle, title, True, f"DOI {doi} (its resolution is checked "
                     "online by F-UJI after publication)")  # fmt: skip
    return Check(metric, principle, title, False, "no DOI for the data set",
                 "reserve a DOI for the deposit on Zenodo and write it in publication.toml "
                 "([dataset] doi)")  # fmt: skip


def _core_metadata(datacite: dict[str, Any]) -> Check:
    present = {
        "creator": bool(datacite.get("creators")), "title": bool(datacite.get("titles")),
        "identifier": bool(datacite.get("doi")), "publisher": bool(datacite.get("publisher")),
        "publication date": bool(datacite.get("publicationYear")),
        "summary": bool(datacite.get("descriptions")), "keywords": bool(datacite.get("subjects")),
    }  # fmt: skip
    missing = [k for k, v in present.items() if not v]
    return Check(
        "FsF-F2-01M",
        "F2",
        "Metadata include descriptive core elements",
        not missing,
        "present: "
        + ", ".join(k for k, v in present.items() if v)
        + (f"; missing: {', '.join(missing)}" if missing else ""),
        "add the data set's DOI (publication.toml [dataset] doi)" if missing else "",
    )


def _data_identifiers(dataset: dict[str, Any], files: dict[str, bytes]) -> Check:
    listed = {d["name"] for d in dataset.get("distribution", [])
              if d.get("contentSize") and d.get("encodingFormat")}  # fmt: skip
    suffixes = {v.suffix for f in FORMATS if f.data for v in f.variants}
    data = [n for n in files if Path(n).suffix in suffixes]
    missing = [n for n in data if n not in listed]
    return Check(
        "FsF-F3-01M",
        "F3",
        "Metadata include the identifier of the data they describe",
        not missing,
        f"{len(data) - len(missing)} of {len(data)} data files listed with "
        "name, size and format (content URLs exist only after the deposit)",
        f"list {', '.join(missing)} in the distribution" if missing else "",
    )


def _searchable(dataset: dict[str, Any]) -> Check:
    ok = dataset.get("@type") == "Dataset" and len(str(dataset.get("description", ""))) >= 50
    return Check(
        "FsF-F4-01M",
        "F4",
        "Metadata are offered in a way search engines can use",
        ok,
        "schema.org Dataset JSON-LD with name, description, creators, keywords, "
        "licence, variables and distribution (DataCite registration happens at the "
        "Zenodo deposit)",
        "" if ok else "describe the data set in at least 50 characters",
    )


def _access(dataset: dict[str, Any], deposit: dict[str, Any]) -> Check:
    ok = dataset.get("isAccessibleForFree") is True and deposit.get("access_right") == "open"
    return Check(
        "FsF-A1-01M",
        "A1",
        "Metadata contain access level and conditions",
        ok,
        f"isAccessibleForFree = {dataset.get('isAccessibleForFree')}; Zenodo "
        f"access_right = {deposit.get('access_right')}",
    )


def _formal(dataset: dict[str, Any], crate: dict[str, Any]) -> Check:
    ok = bool(dataset.get("@context")) and bool(crate.get("@context") and crate.get("@graph"))
    return Check("FsF-I1-01M", "I1", "Metadata are represented in a formal knowledge "
                 "representation language", ok, "JSON-LD: schema.org Dataset and RO-Crate "
                 f"{crate.get('@context', '')}")  # fmt: skip


def _vocabularies(datacite: dict[str, Any]) -> Check:
    found: dict[str, int] = {}
    for subject in datacite.get("subjects", []):
        for prefix, name in KNOWN_VOCABULARIES.items():
            if str(subject.get("valueUri", "")).startswith(prefix):
                found[name] = found.get(name, 0) + 1
    return Check(
        "FsF-I2-01M",
        "I2",
        "Metadata use semantic resources",
        bool(found),
        ", ".join(f"{n} {c} codes" for n, c in sorted(found.items()))
        + " (verified against shipped ontologies; ATC codes are unverified and left "
        "out)",
        "" if found else "add vocabulary codes to the Table Schema",
    )


def _related(article_doi: str, article: str, cited: bool) -> Check:
    title = "Metadata include links to related entities"
    if article_doi:
        return Check("FsF-I3-01M", "I3", title, True,
                     f"IsSupplementTo {article}, DOI {article_doi}")  # fmt: skip
    if cited:
        return Check("FsF-I3-01M", "I3", title, False,
                     f"{article} is cited by title only: its DOI is not known",
                     f"write the DOI of {article} in publication.toml ([article] doi) once "
                     "published")  # fmt: skip
    return Check("FsF-I3-01M", "I3", title, False, "the package names no related article",
                 "if the data support an article, write its DOI in publication.toml "
                 "([article] doi)")  # fmt: skip


def _content(datacite: dict[str, Any], dataset: dict[str, Any], names: tuple[str, ...]) -> Check:
    general = datacite.get("types", {}).get("resourceTypeGeneral")
    variables = {v["name"] for v in dataset.get("variableMeasured", [])}
    ok = general == "Dataset" and variables == set(names)
    return Check(
        "FsF-R1-01MD",
        "R1",
        "Metadata specify the content of the data",
        ok,
        f"resource type {general}; {len(variables)} of {len(names)} variables described",
    )


def _licence(datacite: dict[str, Any], confirmed: str) -> Check:
    rights = (datacite.get("rightsList") or [{}])[0]
    spdx = str(rights.get("rights", ""))
    ok = spdx in LICENCE_URLS
    note = "" if confirmed else "; proposed in datapackage.json, not yet confirmed by the authors"
    return Check(
        "FsF-R1.1-01M",
        "R1.1",
        "Metadata include licence information",
        ok,
        f"SPDX {spdx}, {rights.get('rightsUri', '')}{note}",
        "" if ok else "choose an SPDX licence (CC-BY-4.0 or CC0-1.0)",
    )


def _provenance(dataset: dict[str, Any], datacite: dict[str, Any], letter: bool) -> Check:
    # The letter's package must say it is based on the letter; another package says who
    # made it and when.
    ok = bool(dataset.get("creator") and datacite.get("dates")
              and (dataset.get("isBasedOn") or not letter))  # fmt: skip
    evidence = ("creators with affiliation, creation date, based on the letter; Table I as "
                "printed and every inferred cell ship with the data" if letter
                else "creators with affiliation and the creation date of the package")  # fmt: skip
    return Check("FsF-R1.2-01M", "R1.2", "Metadata include provenance information", ok, evidence)


def _standards(descriptor: dict[str, Any], datacite: dict[str, Any], dataset: dict[str, Any],
               crate: dict[str, Any]) -> Check:  # fmt: skip
    used = []
    if "datapackage.org/profiles/2.0" in str(descriptor.get("$schema", "")):
        used.append("Frictionless Data Package v2")
    if datacite.get("schemaVersion"):
        used.append("DataCite kernel 4")
    if dataset.get("@context") == "https://schema.org/":
        used.append("schema.org")
    if "ro/crate" in str(crate.get("@context", "")):
        used.append("RO-Crate 1.3")
    return Check(
        "FsF-R1.3-01M", "R1.3", "Metadata follow a community standard", bool(used), ", ".join(used)
    )


def _formats(files: dict[str, bytes]) -> Check:
    found = sorted({OPEN_FORMATS[Path(n).suffix] for n in files if Path(n).suffix in OPEN_FORMATS})
    return Check(
        "FsF-R1.3-02D",
        "R1.3",
        "Data are in a long-term, open file format",
        "CSV" in found,
        "open formats: " + ", ".join(found),
    )


def render_text(result: Assessment) -> str:
    lines = [result.headline(), ""]
    for c in result.checks:
        lines.append(f"{'PASS' if c.passed else 'FAIL'}  {c.id:<13} {c.principle:<5} {c.title}")
        lines.append(f"      evidence: {c.evidence}")
        if c.action:
            lines.append(f"      to pass: {c.action}")
    if result.unknown:
        lines += ["", "Facts only the authors can give, still unknown (publication.toml):"]
        lines += [f"  - {u}" for u in result.unknown]
    return "\n".join(lines) + "\n"


def render_json(result: Assessment) -> str:
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n"
