"""RO-Crate metadata describing every file of the bundle, written by the `rocrate` library.

What RO-Crate recommends (and `rocrate-validator` checks at its "recommended" level) is given
where the package knows it: a description of every file, the licence as an entity with its own
description, the corresponding author's contact point, ORCID iDs as the authors' identifiers and
the data set's DOI, and the publishing organisation's ROR identifier, web site and contact
point when publication.toml's [organisation] gives them; nothing is made up for what it does
not give, and the validator's warnings about those stay until the authors give them.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dahpkg.export.formats import media_type
from dahpkg.export.metadata.facts import creators_of, licence_of, package_licence
from dahpkg.export.metadata.files import descriptions
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

# The SPDX full names of the licences dahpkg proposes (spdx.org/licenses).
LICENCE_TITLES = {"CC-BY-4.0": "Creative Commons Attribution 4.0 International",
                  "CC0-1.0": "Creative Commons Zero v1.0 Universal"}  # fmt: skip
# How a PropertyValue names the scheme of a DOI (identifiers.org's registry entry).
DOI_REGISTRY = "https://registry.identifiers.org/registry/doi"


def json_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """ro-crate-metadata.json"""
    return (json.dumps(ro_crate(prepared, facts, files), indent=2, ensure_ascii=False)
            + "\n").encode("utf-8")  # fmt: skip


def licence_description(prepared: Prepared, facts: Facts) -> str:
    """What the licence is, in words: its full name, else the package's own title for it."""
    licence, url = licence_of(prepared, facts)
    proposed = package_licence(prepared.descriptor)
    title = LICENCE_TITLES.get(licence) or (
        str(proposed.get("title", "")) if proposed.get("name") == licence else ""
    )
    return f"{title or licence} ({licence}), the licence of the data set: {url}".strip()


def ro_crate(prepared: Prepared, facts: Facts, files: dict[str, int]) -> dict[str, Any]:
    """RO-Crate metadata (the `rocrate` library's writer) describing the bundle's files."""
    from rocrate.model.contextentity import ContextEntity
    from rocrate.model.person import Person
    from rocrate.rocrate import ROCrate

    licence, url = licence_of(prepared, facts)
    crate = ROCrate()
    crate.name = prepared.title
    crate.description = str(prepared.descriptor.get("description", ""))
    crate.datePublished = prepared.created.date().isoformat()
    crate.license = crate.add(ContextEntity(crate, url, properties={
        "@type": "CreativeWork", "name": licence, "identifier": licence,
        "description": licence_description(prepared, facts)}))  # fmt: skip
    crate.keywords = list(prepared.descriptor.get("keywords", []))
    if facts.dataset_doi:
        # As a PropertyValue (the Science On Schema.org way RO-Crate 1.2 recommends), whose
        # @id is the DOI's address.
        address = f"https://doi.org/{facts.dataset_doi}"
        doi = {"@type": "PropertyValue", "name": f"doi:{facts.dataset_doi}",
               "description": "the DOI of this data set", "propertyID": DOI_REGISTRY,
               "value": f"doi:{facts.dataset_doi}", "url": address}  # fmt: skip
        crate.root_dataset["identifier"] = crate.add(ContextEntity(crate, address, properties=doi))
    authors = []
    organisations: dict[str, Any] = {}
    for number, person in enumerate(creators_of(prepared.descriptor), start=1):
        orcid = facts.orcid.get(person.get("familyName", ""))
        identifier = f"https://orcid.org/{orcid}" if orcid else f"#author-{number}"
        properties: dict[str, Any] = {"name": person.get("title", ""),
                                      "familyName": person.get("familyName", "")}  # fmt: skip
        if person.get("givenName"):
            properties["givenName"] = person["givenName"]
        if person.get("organization"):
            name = person["organization"]
            if name not in organisations:
                organisations[name] = crate.add(ContextEntity(
                    crate, _organisation_id(facts, len(organisations) + 1),
                    properties=_organisation(facts, name, first=not organisations)))  # fmt: skip
            properties["affiliation"] = organisations[name]
        if "contact" in person.get("roles", []) and person.get("email"):
            properties["contactPoint"] = crate.add(ContextEntity(
                crate, f"mailto:{person['email']}", properties={
                    "@type": "ContactPoint", "contactType": "correspondence",
                    "email": person["email"], "name": person.get("title", "")}))  # fmt: skip
        authors.append(crate.add(Person(crate, identifier, properties=properties)))
    # RO-Crate names the people who made the data set `author` (schema.org's `creator` too).
    crate.root_dataset["author"] = authors
    crate.creator = authors
    if organisations:
        crate.publisher = next(iter(organisations.values()))
        if facts.organisation_email:
            crate.publisher["contactPoint"] = crate.add(ContextEntity(
                crate, f"mailto:{facts.organisation_email}", properties={
                    "@type": "ContactPoint", "contactType": "enquiries",
                    "email": facts.organisation_email,
                    "name": f"{crate.publisher['name']}, enquiries"}))  # fmt: skip
    described = descriptions(prepared)
    for name, size in sorted(files.items()):
        properties = {"name": name, "contentSize": str(size), "encodingFormat": media_type(name),
                      "description": described.get(name, name)}  # fmt: skip
        crate.add_file(dest_path=name, properties=properties)
    generated: dict[str, Any] = crate.metadata.generate()
    return generated


# publication.toml's [organisation] describes the authors' organisation: the first one named
# (the publisher). Nothing is said of it that the authors have not given.
def _organisation_id(facts: Any, number: int) -> str:
    if number == 1 and facts.organisation_ror:
        return str(facts.organisation_ror)
    return f"#organisation-{number}"


def _organisation(facts: Any, name: str, *, first: bool) -> dict[str, Any]:
    properties = {"@type": "Organization", "name": name}
    if first and facts.organisation_url:
        properties["url"] = facts.organisation_url
    return properties
