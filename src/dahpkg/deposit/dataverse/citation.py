"""What Dataverse is sent: the citation block, mapped from the bundle's own metadata files.

The facts come from the bundle as it is deposited (its ``zenodo.json``, which holds the creators
with their affiliation and ORCID where publication.toml gives one, the description, keywords,
licence, the related article's DOI and the notes with dahpkg's marker sentence; and its
``ro-crate-metadata.json``, whose contact points name the contact and their e-mail), so that
what Dataverse shows is what the files say. Nothing is invented: a field whose fact is unknown
is left out, and the fields Dataverse requires (a contact's e-mail among them) stop the
deposit when unknown.

`metadata` gives a flat mapping, field name to plain value, which the run compares (its
``title``) and counts; `dataset_version` turns it into the typed field objects Dataverse reads
(``typeName``, ``typeClass``, ``multiple``, ``value``), see the reference's section 3.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dahpkg.errors import InputError

if TYPE_CHECKING:
    from dahpkg.export import Supplement

SUBJECT = "Medicine, Health and Life Sciences"
# Dataverse knows a licence by its name and URI exactly as the installation lists them
# (GET /api/licenses: http://, no trailing slash); the shipped ones, by Zenodo's licence id.
LICENCES = {
    "cc-by-4.0": ("CC BY 4.0", "http://creativecommons.org/licenses/by/4.0"),
    "cc0-1.0": ("CC0 1.0", "http://creativecommons.org/publicdomain/zero/1.0"),
}


def metadata(supplement: Supplement) -> dict[str, Any]:
    """The citation fields for ``supplement``, as plain values by Dataverse's field name."""
    zenodo = json.loads(supplement.files["zenodo.json"])["metadata"]
    crate = json.loads(supplement.files["ro-crate-metadata.json"])
    licence = LICENCES.get(str(zenodo.get("license", "")))
    if licence is None:
        raise InputError(
            f"the licence {zenodo.get('license')!r} has no name on Dataverse that dahpkg knows "
            f"(it knows {', '.join(n for n, _ in LICENCES.values())}): choose one of them in "
            "publication.toml [dataset] licence"
        )
    # The authors' correspondence contacts (the contributors of datapackage.json with the role
    # "contact" and an e-mail), else the organisation's e-mail from publication.toml.
    points = [e for e in crate.get("@graph", []) if e.get("@type") == "ContactPoint"]
    points.sort(key=lambda e: e.get("contactType") != "correspondence")
    contacts = [{"name": str(e.get("name", "")), "email": str(e["email"])}
                for e in points if e.get("email")][:1] if points else []  # fmt: skip
    if not contacts:
        raise InputError(
            "Dataverse needs a contact e-mail and the package names none: give a contributor "
            "of datapackage.json the role 'contact' and an 'email', or fill [organisation] "
            "email in publication.toml"
        )
    authors = []
    for creator in zenodo.get("creators", []):
        author = {"name": str(creator["name"])}
        if creator.get("affiliation"):
            author["affiliation"] = str(creator["affiliation"])
        if creator.get("orcid"):
            author["orcid"] = str(creator["orcid"])
        authors.append(author)
    fields: dict[str, Any] = {
        "title": str(zenodo["title"]),
        "author": authors,
        "datasetContact": contacts,
        "dsDescription": str(zenodo.get("description", "")),
        "subject": [SUBJECT],
        "keyword": [str(k) for k in zenodo.get("keywords", [])],
        "notesText": str(zenodo.get("notes", "")),
        "license": {"name": licence[0], "uri": licence[1]},
    }
    articles = [r["identifier"] for r in zenodo.get("related_identifiers", [])
                if r.get("relation") == "isSupplementTo" and r.get("scheme") == "doi"]  # fmt: skip
    if articles:
        fields["publication"] = articles
    return fields


def _primitive(name: str, value: str) -> dict[str, Any]:
    return {"typeName": name, "typeClass": "primitive", "multiple": False, "value": value}


def _compound(name: str, values: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    return {"typeName": name, "typeClass": "compound", "multiple": True, "value": values}


def _vocabulary(name: str, value: Any, multiple: bool) -> dict[str, Any]:
    return {"typeName": name, "typeClass": "controlledVocabulary", "multiple": multiple,
            "value": value}  # fmt: skip


def dataset_version(fields: dict[str, Any]) -> dict[str, Any]:
    """The ``datasetVersion`` object for ``fields`` (`metadata`'s mapping)."""
    authors = []
    for a in fields["author"]:
        author = {"authorName": _primitive("authorName", a["name"])}
        if a.get("affiliation"):
            author["authorAffiliation"] = _primitive("authorAffiliation", a["affiliation"])
        if a.get("orcid"):
            author["authorIdentifierScheme"] = _vocabulary("authorIdentifierScheme", "ORCID", False)
            author["authorIdentifier"] = _primitive("authorIdentifier", a["orcid"])
        authors.append(author)
    block = [
        _primitive("title", fields["title"]),
        _compound("author", authors),
        _compound("datasetContact", [
            {"datasetContactName": _primitive("datasetContactName", c["name"]),
             "datasetContactEmail": _primitive("datasetContactEmail", c["email"])}
            for c in fields["datasetContact"]]),
        _compound("dsDescription", [
            {"dsDescriptionValue": _primitive("dsDescriptionValue", fields["dsDescription"])}]),
        _vocabulary("subject", list(fields["subject"]), True),
    ]  # fmt: skip
    if fields.get("keyword"):
        block.append(_compound("keyword", [{"keywordValue": _primitive("keywordValue", k)}
                                           for k in fields["keyword"]]))  # fmt: skip
    if fields.get("publication"):
        # IsSupplementTo exists from Dataverse 6.4; the DOI alone says which article.
        block.append(_compound("publication", [
            {"publicationIDType": _vocabulary("publicationIDType", "doi", False),
             "publicationIDNumber": _primitive("publicationIDNumber", doi)}
            for doi in fields["publication"]]))  # fmt: skip
    if fields.get("notesText"):
        block.append(_primitive("notesText", fields["notesText"]))
    return {"license": dict(fields["license"]), "metadataBlocks": {"citation": {"fields": block}}}


def field_value(version: dict[str, Any], name: str) -> str:
    """A primitive citation field of a version as Dataverse answers it ("" when absent)."""
    block = ((version.get("metadataBlocks") or {}).get("citation") or {}).get("fields") or []
    for item in block if isinstance(block, list) else []:
        if isinstance(item, dict) and item.get("typeName") == name:
            return str(item.get("value", ""))
    return ""
