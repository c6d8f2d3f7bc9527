"""The metadata of a Zenodo deposition (its legacy deposit API), as zenodo.json in the bundle.

The Zenodo deposit (`dahpkg.deposit.zenodo`) sends these metadata as they stand in the bundle,
so that what is deposited is what the bundle describes.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dahpkg.export.metadata.datacite import source_label
from dahpkg.export.metadata.facts import (
    creators_of,
    deposit_marker,
    disclosure_note,
    licence_of,
    source_citation,
)
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared


def json_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """zenodo.json"""
    return (json.dumps({"metadata": metadata(prepared, facts)}, indent=2, ensure_ascii=False)
            + "\n").encode("utf-8")  # fmt: skip


def metadata(prepared: Prepared, facts: Facts) -> dict[str, Any]:
    """The `metadata` of a Zenodo deposition (legacy deposit API)."""
    import html

    licence, _ = licence_of(prepared, facts)
    source = source_citation(prepared.descriptor)
    creators = []
    for person in creators_of(prepared.descriptor):
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
        + (f"<p>{source_label(prepared)}: {html.escape(source)}</p>" if source else ""),
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
