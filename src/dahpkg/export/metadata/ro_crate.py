"""RO-Crate metadata describing every file of the bundle, written by the `rocrate` library."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dahpkg.export.formats import media_type
from dahpkg.export.metadata.facts import creators_of, licence_of
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared


def json_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """ro-crate-metadata.json"""
    return (json.dumps(ro_crate(prepared, facts, files), indent=2, ensure_ascii=False)
            + "\n").encode("utf-8")  # fmt: skip


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
        "@type": "CreativeWork", "name": licence, "identifier": licence}))  # fmt: skip
    crate.keywords = list(prepared.descriptor.get("keywords", []))
    authors = []
    organisations: dict[str, Any] = {}
    for number, person in enumerate(creators_of(prepared.descriptor), start=1):
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
        properties = {"name": name, "contentSize": str(size), "encodingFormat": media_type(name)}
        crate.add_file(dest_path=name, properties=properties)
    generated: dict[str, Any] = crate.metadata.generate()
    return generated
