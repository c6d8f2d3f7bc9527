"""DataCite kernel 4: the record as JSON (the form the `datacite` package validates) and XML."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dahpkg.export.metadata.facts import (
    creators_of,
    licence_of,
    source_citation,
    subjects,
)
from dahpkg.letter.scope import is_letter_package
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

# A bundle exported for a deposit by hand is made for Zenodo (publication.toml's DOI is the one
# Zenodo reserves); a deposit by dahpkg names the repository it deposits in (`Prepared.publisher`).
BY_HAND_PUBLISHER = "Zenodo"


def json_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """datacite.json"""
    return (json.dumps(record(prepared, facts), indent=2, ensure_ascii=False) + "\n").encode()


def xml_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """datacite.xml"""
    return datacite_xml(record(prepared, facts)).encode("utf-8")


def xml_missing(prepared: Prepared, facts: Facts) -> str:
    """Why datacite.xml cannot be written yet ("" when it can). The DataCite kernel makes the
    DOI mandatory (its ``identifier``): a record without one fails the kernel-4 XSD, so the
    file waits for the DOI rather than being written invalid. (datacite.json is the form the
    `datacite` package's JSON Schema checks, which lets the DOI wait.)"""
    if facts.dataset_doi:
        return ""
    return (
        "DataCite requires the data set's DOI; it is written by the deposit once the DOI "
        "is reserved, or give the DOI in publication.toml [dataset] doi"
    )


def record(prepared: Prepared, facts: Facts) -> dict[str, Any]:
    """A DataCite kernel-4 record (the JSON form the `datacite` package validates)."""
    descriptor = prepared.descriptor
    licence, url = licence_of(prepared, facts)
    creators = []
    for person in creators_of(descriptor):
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
        "publisher": {"name": prepared.publisher or BY_HAND_PUBLISHER},
        "publicationYear": str(prepared.created.year),
        "language": "en",
        "version": str(descriptor.get("version", "")),
        "subjects": [{"subject": k, "lang": "en"} for k in descriptor.get("keywords", [])]
        + [{"subject": f"{c['label']} ({c['code']})", "subjectScheme": c["system"],
            "valueUri": c["uri"]} for c in subjects(prepared)],
        "dates": [{"date": prepared.created.date().isoformat(), "dateType": "Created"}],
        "formats": ["text/csv", "application/json"],
        "rightsList": [{"rights": licence, "rightsUri": url, "rightsIdentifier": licence.lower(),
                        "rightsIdentifierScheme": "SPDX"}],
        "descriptions": [
            {"description": str(descriptor.get("description", "")), "descriptionType": "Abstract"},
        ],
    }  # fmt: skip
    source = source_citation(descriptor)
    if source:
        record["descriptions"].append({"description": f"{source_label(prepared)}: {source}",
                                       "descriptionType": "Other"})  # fmt: skip
    if facts.dataset_doi:
        record["doi"] = facts.dataset_doi
    if facts.article_doi:
        record["relatedIdentifiers"] = [{
            "relatedIdentifier": facts.article_doi, "relatedIdentifierType": "DOI",
            "relationType": "IsSupplementTo", "resourceTypeGeneral": "JournalArticle",
        }]  # fmt: skip
    return record


def source_label(prepared: Prepared) -> str:
    """How the metadata introduce the package's source: the letter's package is derived from
    the letter's Table I; another package's source is an article the data support."""
    return "Derived from" if is_letter_package(prepared.package) else "Related article"


def datacite_xml(record: dict[str, Any]) -> str:
    from datacite import schema45

    return str(schema45.tostring(record))
