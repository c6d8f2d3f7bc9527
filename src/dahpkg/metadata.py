"""FAIR metadata, every format derived from one source.

The source is `datapackage.json` (title, description, contributors, licence, keywords,
subjects, the letter as source) and its Table Schema (variables and their vocabulary codes),
plus `publication.toml` for the few facts only the authors can give (DOIs, ORCID iDs, the
confirmed licence, the Zenodo community). A fact that is not known stays out of every file and
is listed in `Metadata.unknown`; nothing is invented.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dahpkg.errors import InputError
from dahpkg.export.api import Prepared, prepare, write_new
from dahpkg.export.bundle import creators as _people
from dahpkg.export.bundle import package_licence

FACTS_FILE = "publication.toml"
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
ORCID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
LICENCE_URLS = {"CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
                "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/"}  # fmt: skip
MEDIA_TYPES = {
    ".csv": "text/csv", ".tsv": "text/tab-separated-values", ".json": "application/json",
    ".md": "text/markdown", ".html": "text/html", ".cff": "application/x-yaml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".sav": "application/x-spss-sav", ".dta": "application/x-stata-dta",
    ".parquet": "application/vnd.apache.parquet", ".xml": "application/xml",
    ".jsonld": "application/ld+json", ".txt": "text/plain", "": "text/plain",
}  # fmt: skip
FILES = ("datacite.json", "datacite.xml", "schema-org.jsonld", "CITATION.cff",
         "ro-crate-metadata.json", "zenodo.json")  # fmt: skip


@dataclass(frozen=True)
class Facts:
    """What only the authors can say, read from publication.toml (empty = unknown)."""

    dataset_doi: str = ""
    licence: str = ""
    zenodo_community: str = ""
    article_doi: str = ""
    journal: str = ""
    orcid: dict[str, str] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path | None) -> Facts:
        path = folder / FACTS_FILE if folder else None
        if path is None or not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"{path} is not valid TOML: {exc}") from None
        dataset, article = data.get("dataset", {}), data.get("article", {})
        facts = cls(
            dataset_doi=str(dataset.get("doi", "")).strip(),
            licence=str(dataset.get("licence", "")).strip(),
            zenodo_community=str(dataset.get("zenodo_community", "")).strip(),
            article_doi=str(article.get("doi", "")).strip(),
            journal=str(article.get("journal", "")).strip(),
            orcid={k: str(v).strip() for k, v in data.get("orcid", {}).items() if str(v).strip()},
        )
        facts.check(path)
        return facts

    def check(self, path: Path) -> None:
        for name, value in (("dataset doi", self.dataset_doi), ("article doi", self.article_doi)):
            if value and not DOI.match(value):
                raise InputError(f"{path}: the {name} {value!r} is not a DOI (10.NNNN/...)")
        for person, value in self.orcid.items():
            if not ORCID.match(value) or not orcid_checksum_ok(value):
                raise InputError(f"{path}: the ORCID iD of {person} ({value}) is not valid")


def orcid_checksum_ok(orcid: str) -> bool:
    """ISO 7064 11,2 check digit of an ORCID iD.

    >>> orcid_checksum_ok("0000-0002-1825-0097"), orcid_checksum_ok("0000-0002-1825-0098")
    (True, False)
    """
    digits = orcid.replace("-", "")
    total = 0
    for ch in digits[:-1]:
        total = (total + int(ch)) * 2
    check = (12 - total % 11) % 11
    return digits[-1] == ("X" if check == 10 else str(check))


@dataclass(frozen=True)
class Metadata:
    """Every metadata format of one package, and the facts still unknown."""

    prepared: Prepared
    facts: Facts
    files: dict[str, bytes]
    unknown: tuple[str, ...]


def _licence(prepared: Prepared, facts: Facts) -> tuple[str, str]:
    """(SPDX id, URL) of the licence: the authors' choice, else the package's proposal."""
    proposed = package_licence(prepared.descriptor)
    name = facts.licence or str(proposed.get("name", ""))
    return name, LICENCE_URLS.get(name, str(proposed.get("path", "")))


def _letter(prepared: Prepared) -> str:
    """The letter's title."""
    sources = prepared.descriptor.get("sources") or [{}]
    return str(sources[0].get("title", ""))


def _letter_citation(prepared: Prepared) -> str:
    from dahpkg.export.bundle import letter_citation

    return letter_citation(prepared.descriptor)


def _subjects(prepared: Prepared) -> list[dict[str, Any]]:
    """The package's subject codes, then every verified code of its variables."""
    seen: dict[str, dict[str, Any]] = {}
    items = list(prepared.descriptor.get("subjects", []))
    for item in prepared.source.schema.fields:
        items += list(item.codes)
        for category in item.category_codes.values():
            items += list(category)
    for code in items:
        if code.get("verified", True) and code["uri"] not in seen:
            seen[code["uri"]] = code
    return list(seen.values())


def unknown_facts(prepared: Prepared, facts: Facts) -> tuple[str, ...]:
    missing = []
    if not facts.dataset_doi:
        missing.append("the data set's DOI ([dataset] doi; reserve one on Zenodo)")
    if not facts.licence:
        missing.append("the licence confirmed by the authors ([dataset] licence)")
    if not facts.article_doi:
        missing.append("the DOI of the letter ([article] doi)")
    if not facts.journal:
        missing.append("the journal of the letter ([article] journal)")
    people = [p.get("familyName", p.get("title", "")) for p in _people(prepared.descriptor)]
    without = [p for p in people if p not in facts.orcid]
    if without:
        missing.append(f"ORCID iDs of {', '.join(without)} ([orcid])")
    return tuple(missing)


# --- DataCite -------------------------------------------------------------------------------


def datacite(prepared: Prepared, facts: Facts) -> dict[str, Any]:
    """A DataCite kernel-4 record (the JSON form the `datacite` package validates)."""
    descriptor = prepared.descriptor
    licence, url = _licence(prepared, facts)
    creators = []
    for person in _people(descriptor):
        creator: dict[str, Any] = {
            "name": person.get("title", ""), "nameType": "Personal",
            "familyName": person.get("familyName", ""),
        }  # fmt: skip
        if person.get("givenName"):
            creator["givenName"] = person["givenName"]
            creator["name"] = f"{person['familyName']}, {person['givenName']}"
        if person.get("organization"):
            creator["affiliation"] = [{"name": person["organization"]}]
        orcid = facts.orcid.get(person.get("familyName", ""))
        if orcid:
            creator["nameIdentifiers"] = [{
                "nameIdentifier": f"https://orcid.org/{orcid}", "nameIdentifierScheme": "ORCID",
                "schemeUri": "https://orcid.org",
            }]  # fmt: skip
        creators.append(creator)
    record: dict[str, Any] = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "types": {"resourceTypeGeneral": "Dataset", "resourceType": "Clinical case series"},
        "creators": creators,
        "titles": [{"title": prepared.title, "lang": "en"}],
        "publisher": {"name": "Zenodo"},
        "publicationYear": str(prepared.created.year),
        "language": "en",
        "version": str(descriptor.get("version", "")),
        "subjects": [{"subject": k, "lang": "en"} for k in descriptor.get("keywords", [])]
        + [{"subject": f"{c['label']} ({c['code']})", "subjectScheme": c["system"],
            "valueUri": c["uri"]} for c in _subjects(prepared)],
        "dates": [{"date": prepared.created.date().isoformat(), "dateType": "Created"}],
        "formats": ["text/csv", "application/json"],
        "rightsList": [{"rights": licence, "rightsUri": url, "rightsIdentifier": licence.lower(),
                        "rightsIdentifierScheme": "SPDX"}],
        "descriptions": [
            {"description": str(descriptor.get("description", "")), "descriptionType": "Abstract"},
            {"description": "Derived from: " + _letter_citation(prepared),
             "descriptionType": "Other"},
        ],
    }  # fmt: skip
    if facts.dataset_doi:
        record["doi"] = facts.dataset_doi
    if facts.article_doi:
        record["relatedIdentifiers"] = [{
            "relatedIdentifier": facts.article_doi, "relatedIdentifierType": "DOI",
            "relationType": "IsSupplementTo", "resourceTypeGeneral": "JournalArticle",
        }]  # fmt: skip
    return record


def datacite_xml(record: dict[str, Any]) -> str:
    from datacite import schema45

    return str(schema45.tostring(record))


# --- schema.org -----------------------------------------------------------------------------


def schema_org(prepared: Prepared, facts: Facts, files: dict[str, int]) -> dict[str, Any]:
    """A schema.org Dataset, as dataset search engines read it (JSON-LD)."""
    descriptor = prepared.descriptor
    _, url = _licence(prepared, facts)
    creators = []
    for person in _people(descriptor):
        entry: dict[str, Any] = {"@type": "Person", "name": person.get("title", ""),
                                 "familyName": person.get("familyName", "")}  # fmt: skip
        if person.get("givenName"):
            entry["givenName"] = person["givenName"]
        if person.get("organization"):
            entry["affiliation"] = {"@type": "Organization", "name": person["organization"]}
        if person.get("familyName") in facts.orcid:
            entry["sameAs"] = f"https://orcid.org/{facts.orcid[person['familyName']]}"
        creators.append(entry)
    variables = []
    for item in prepared.source.schema.fields:
        variable: dict[str, Any] = {
            "@type": "PropertyValue", "name": item.name, "description": item.description,
            "alternateName": item.label,
        }  # fmt: skip
        if item.unit:
            variable["unitText"] = item.unit
        verified = [c for c in item.codes if c.get("verified", True)]
        if verified:
            variable["propertyID"] = verified[0]["uri"]
        variables.append(variable)
    dataset: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": prepared.title,
        "description": str(descriptor.get("description", "")),
        "version": str(descriptor.get("version", "")),
        "dateCreated": prepared.created.date().isoformat(),
        "inLanguage": "en",
        "creator": creators,
        "license": url,
        "isAccessibleForFree": True,
        "keywords": list(descriptor.get("keywords", [])),
        "about": [{"@type": "DefinedTerm", "name": c["label"], "termCode": c["code"],
                   "inDefinedTermSet": c["system"], "url": c["uri"]}
                  for c in descriptor.get("subjects", [])],
        "variableMeasured": variables,
        "measurementTechnique": "Retrospective review of medical records",
        "citation": {"@type": "ScholarlyArticle", "name": _letter(prepared)},
        "isBasedOn": {"@type": "ScholarlyArticle", "name": _letter(prepared)},
        "distribution": [
            {"@type": "DataDownload", "name": name, "contentSize": f"{size} B",
             "encodingFormat": MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")}
            for name, size in sorted(files.items())
        ],
    }  # fmt: skip
    if facts.dataset_doi:
        dataset["identifier"] = f"https://doi.org/{facts.dataset_doi}"
    if facts.article_doi:
        dataset["citation"]["identifier"] = f"https://doi.org/{facts.article_doi}"
        dataset["isBasedOn"]["identifier"] = f"https://doi.org/{facts.article_doi}"
    return dataset


# --- RO-Crate -------------------------------------------------------------------------------


def ro_crate(prepared: Prepared, facts: Facts, files: dict[str, int]) -> dict[str, Any]:
    """RO-Crate metadata (the `rocrate` library's writer) describing the bundle's files."""
    from rocrate.model.contextentity import ContextEntity
    from rocrate.model.person import Person
    from rocrate.rocrate import ROCrate

    licence, url = _licence(prepared, facts)
    crate = ROCrate()
    crate.name = prepared.title
    crate.description = str(prepared.descriptor.get("description", ""))
    crate.datePublished = prepared.created.date().isoformat()
    crate.license = crate.add(ContextEntity(crate, url, properties={
        "@type": "CreativeWork", "name": licence, "identifier": licence}))  # fmt: skip
    crate.keywords = list(prepared.descriptor.get("keywords", []))
    authors = []
    organisations: dict[str, Any] = {}
    for number, person in enumerate(_people(prepared.descriptor), start=1):
        orcid = facts.orcid.get(person.get("familyName", ""))
        identifier = f"https://orcid.org/{orcid}" if orcid else f"#author-{number}"
        properties: dict[str, Any] = {"name": person.get("title", ""),
                                      "familyName": person.get("familyName", "")}  # fmt: skip
        if person.get("organization"):
            name = person["organization"]
            if name not in organisations:
                organisations[name] = crate.add(ContextEntity(
                    crate, f"#organisation-{len(organisations) + 1}",
                    properties={"@type": "Organization", "name": name}))  # fmt: skip
            properties["affiliation"] = organisations[name]
        authors.append(crate.add(Person(crate, identifier, properties=properties)))
    crate.creator = authors
    if organisations:
        crate.publisher = next(iter(organisations.values()))
    for name, size in sorted(files.items()):
        media_type = MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
        crate.add_file(dest_path=name, properties={
            "name": name, "contentSize": str(size), "encodingFormat": media_type})  # fmt: skip
    generated: dict[str, Any] = crate.metadata.generate()
    return generated


# --- Zenodo ---------------------------------------------------------------------------------


def zenodo(prepared: Prepared, facts: Facts) -> dict[str, Any]:
    """The `metadata` of a Zenodo deposition (legacy deposit API)."""
    import html

    licence, _ = _licence(prepared, facts)
    creators = []
    for person in _people(prepared.descriptor):
        family, given = person.get("familyName", ""), person.get("givenName", "")
        creator = {"name": f"{family}, {given}" if given else family}
        if person.get("organization"):
            creator["affiliation"] = person["organization"]
        if family in facts.orcid:
            creator["orcid"] = facts.orcid[family]
        creators.append(creator)
    metadata: dict[str, Any] = {
        "upload_type": "dataset",
        "title": prepared.title,
        "creators": creators,
        "description": f"<p>{html.escape(str(prepared.descriptor.get('description', '')))}</p>"
        f"<p>Derived from: {html.escape(_letter_citation(prepared))}</p>",
        "publication_date": prepared.created.date().isoformat(),
        "access_right": "open",
        "license": licence.lower(),
        "keywords": list(prepared.descriptor.get("keywords", [])),
        "version": str(prepared.descriptor.get("version", "")),
        "language": "eng",
        "subjects": [{"term": c["label"], "identifier": c["uri"], "scheme": "url"}
                     for c in prepared.descriptor.get("subjects", [])],
    }  # fmt: skip
    if facts.dataset_doi:
        metadata["doi"] = facts.dataset_doi
    if facts.article_doi:
        metadata["related_identifiers"] = [
            {"identifier": facts.article_doi, "relation": "isSupplementTo", "scheme": "doi"}
        ]
    if facts.zenodo_community:
        metadata["communities"] = [{"identifier": facts.zenodo_community}]
    notes = [disclosure_note(prepared)] if prepared.privacy is not None else []
    metadata["notes"] = " ".join([*notes, deposit_marker(prepared.descriptor)])
    return metadata


def deposit_marker(descriptor: dict[str, Any]) -> str:
    """The sentence in a deposit's notes by which dahpkg recognises its own deposition of a
    package version on the server, whatever the local state."""
    name, version = descriptor.get("name") or "episodes", descriptor.get("version", "")
    return f"Deposited with dahpkg from the data package {name}, version {version}."


def disclosure_note(prepared: Prepared) -> str:
    """One paragraph on the disclosure risk of the release, and its acknowledgement."""
    assert prepared.privacy is not None
    report = prepared.privacy
    r = report.released
    text = (f"Disclosure risk, per patient, assessed by dahpkg: no direct identifier found; "
            f"k-anonymity k = {r.k} over {', '.join(r.attributes)}; {r.unique} of "
            f"{r.patients} patients unique.")  # fmt: skip
    if report.generalisation is not None:
        text += f" Generalised for release: {report.generalisation.describe()}."
    if prepared.risk_accepted:
        text += f" Released with the risk acknowledged by the authors: {prepared.risk_accepted}"
    return text


# --- all together ---------------------------------------------------------------------------


def build(prepared: Prepared, files: dict[str, int] | None = None) -> Metadata:
    """Every metadata format for ``prepared``; ``files`` are the bundle's files and sizes."""
    from dahpkg.export.bundle import citation_cff

    facts = Facts.read(prepared.source.descriptor.parent if prepared.source.descriptor else None)
    files = files or {}
    record = datacite(prepared, facts)

    def dump(data: Any) -> bytes:
        return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    out = {
        "datacite.json": dump(record),
        "datacite.xml": datacite_xml(record).encode("utf-8"),
        "schema-org.jsonld": dump(schema_org(prepared, facts, files)),
        "CITATION.cff": citation_cff(prepared, facts).encode("utf-8"),
        "ro-crate-metadata.json": dump(ro_crate(prepared, facts, files)),
        "zenodo.json": dump({"metadata": zenodo(prepared, facts)}),
    }
    return Metadata(prepared, facts, out, unknown_facts(prepared, facts))


def export_metadata(path: str | Path | None = None, output: str | Path = "metadata", *,
                    force: bool = False, risk_accepted: str | None = None,
                    generalise: str | None = None,
                    not_identifiers: tuple[str, ...] = ()) -> Metadata:  # fmt: skip
    """Write every metadata format into the folder ``output`` (from a valid package that
    passes the disclosure-risk gate: see `dahpkg.export.api.prepare`)."""
    prepared = prepare(path, risk_accepted=risk_accepted, generalise=generalise,
                       not_identifiers=not_identifiers)  # fmt: skip
    if prepared.source.descriptor is None:
        raise InputError("metadata need a data package (datapackage.json), not a loose file")
    result = build(prepared)
    folder = Path(output)
    for name, data in result.files.items():
        write_new(folder / name, data, force=force)
    return result
