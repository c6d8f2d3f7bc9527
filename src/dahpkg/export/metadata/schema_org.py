"""A schema.org Dataset in JSON-LD, as dataset search engines read it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dahpkg.export.formats import media_type
from dahpkg.export.metadata.facts import creators_of, licence_of, source_title
from dahpkg.letter.scope import is_letter_package
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared


def jsonld_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """schema-org.jsonld"""
    return (json.dumps(schema_org(prepared, facts, files), indent=2, ensure_ascii=False)
            + "\n").encode("utf-8")  # fmt: skip


def schema_org(prepared: Prepared, facts: Facts, files: dict[str, int]) -> dict[str, Any]:
    """A schema.org Dataset, as dataset search engines read it (JSON-LD)."""
    descriptor = prepared.descriptor
    _, url = licence_of(prepared, facts)
    creators = []
    for person in creators_of(descriptor):
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
    for item in prepared.schema.fields:
        variable: dict[str, Any] = {
            "@type": "PropertyValue", "name": item.name, "description": item.documentation,
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
        "distribution": [
            {"@type": "DataDownload", "name": name, "contentSize": f"{size} B",
             "encodingFormat": media_type(name)}
            for name, size in sorted(files.items())
        ],
    }  # fmt: skip
    if facts.dataset_doi:
        dataset["identifier"] = f"https://doi.org/{facts.dataset_doi}"
    dataset.update(_article(prepared, facts))
    return dataset


def _article(prepared: Prepared, facts: Facts) -> dict[str, Any]:
    """The article the package names, by title and DOI as far as they are known. Only the
    letter's package is based on its article (Table I) and says how its data were gathered,
    as the letter does; any other package cites an article only when it names one."""
    article: dict[str, Any] = {"@type": "ScholarlyArticle"}
    if source_title(prepared):
        article["name"] = source_title(prepared)
    if facts.article_doi:
        article["identifier"] = f"https://doi.org/{facts.article_doi}"
    if not is_letter_package(prepared.package):
        return {"citation": article} if len(article) > 1 else {}
    return {"measurementTechnique": "Retrospective review of medical records",
            "citation": article, "isBasedOn": dict(article)}  # fmt: skip
