"""CITATION.cff (Citation File Format 1.2.0): how to cite the data set and the letter."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from dahpkg.export.metadata.facts import (
    article_word,
    articles,
    creators_of,
    package_licence,
)
from dahpkg.package.publication import Facts

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared


def cff_file(prepared: Prepared, facts: Facts, files: dict[str, int]) -> bytes:
    """CITATION.cff"""
    return citation_cff(prepared, facts).encode("utf-8")


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def citation_cff(prepared: Prepared, facts: Facts | None = None) -> str:
    """CITATION.cff (Citation File Format 1.2.0) for the data set, referencing the letter.

    DOIs, ORCID iDs and the journal appear only when the authors have given them in
    publication.toml (see :mod:`dahpkg.export.metadata.facts`).
    """
    facts = facts or Facts()
    descriptor = prepared.descriptor
    licence = facts.licence or package_licence(descriptor).get("name", "")
    titled = [s for s in articles(descriptor) if s.get("title")]
    if titled:
        cite = f"{article_word(prepared)} and the data set as below"
    elif facts.article_doi:
        cite = f"the data set as below, and {article_word(prepared)} doi:{facts.article_doi}"
    else:
        cite = "the data set as below"
    lines = [
        "cff-version: 1.2.0",
        f"message: {_quoted(f'If you use these data, please cite {cite}.')}",
        "type: dataset",
        f"title: {_quoted(prepared.title)}",
        f"version: {_quoted(str(descriptor.get('version', '')))}",
        f"date-released: {_quoted(prepared.created.date().isoformat())}",
        "authors:",
    ]

    def person_lines(indent: str) -> list[str]:
        out = []
        for person in creators_of(descriptor):
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
    # A reference needs a title: a source given by its DOI alone (dahpkg init --cites) is
    # linked by the DataCite, schema.org and Zenodo metadata instead.
    for source in titled[:1]:
        title = _quoted(source.get("title", ""))
        lines += ["references:", "  - type: article", f"    title: {title}", "    authors:",
                  *person_lines("      ")]  # fmt: skip
        if facts.journal:
            lines.append(f"    journal: {_quoted(facts.journal)}")
        if facts.article_doi:
            lines.append(f"    doi: {_quoted(facts.article_doi)}")
        break
    return "\n".join(lines) + "\n"
