"""Direct identifiers in the package's own words: the titles, descriptions and notes of its
descriptor and Table Schemas.

They are published with the data, so they are searched with the patterns the cells are
searched with, and reported by file and JSON path. Searched: every string under a property
that holds free text (`PROSE`, `LABELS`), at any depth: the package's title, description and
keywords; a resource's or a Table Schema's title and description; a field's title,
description and example; the labels and notes of categories and codes. Not searched: what
names the publication rather than the patients (`PUBLICATION`: the contributors, the letter's
authors with their contact e-mail; the sources cited, with the dates the letter was submitted
and accepted; the licences), and names, paths, types, codes and URLs, which are not prose.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from dahpkg.privacy.identifiers import Identifier, Scan, matches, words
from dahpkg.privacy.initials import abbreviations
from dahpkg.privacy.patterns import METADATA_PATTERNS

# Properties whose text is written about the data, and may say too much about a patient.
PROSE = frozenset({"title", "description", "letter", "note", "notes", "comment", "comments",
                   "keywords", "example", "examples"})  # fmt: skip
# Labels of codes and categories: searched too, and also the dictionary's words.
LABELS = frozenset({"label"})
# About the publication, not the patients: its people may be named, and its dates given.
PUBLICATION = frozenset({"contributors", "sources", "licenses"})
_NAME = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


@dataclass(frozen=True)
class Text:
    """One free text of the package's metadata, and where it is."""

    file: str
    path: str  # JSON path in the file: resources[0].schema.fields[3].description
    text: str


def metadata_identifiers(documents: Iterable[tuple[str, Mapping[str, Any]]],
                         reviewed: frozenset[str]) -> list[Identifier]:  # fmt: skip
    """Every direct identifier in the free texts of ``documents`` (file, parsed JSON): one
    finding per text and kind, since a description can hold a date and a phone number alike.

    A weak match (a name-like run of capitalised words) is set aside when its words are the
    dictionary's: the names, codes and labels of the schemas and the publication's own people,
    never the prose being judged, which would otherwise vouch for itself.
    """
    import numpy as np
    import pyarrow as pa

    searched: list[Text] = []
    dictionary: list[str] = []
    for file, document in documents:
        found, known = _texts(document, file)
        searched += found
        dictionary += known
    if not searched:
        return []
    scan = Scan(words(dictionary), reviewed, abbreviations(dictionary, reviewed))
    texts = pa.array([t.text for t in searched], pa.large_string())
    hits = list(matches(texts, scan, METADATA_PATTERNS, first_only=False))
    kinds = list(dict.fromkeys(kind for kind, _ in hits))
    table = np.zeros((len(searched), len(kinds)), dtype=bool)
    for kind, hit in hits:
        table[:, kinds.index(kind)] |= hit
    # By text in document order, then by kind in the patterns' order.
    return [Identifier(searched[t].file, "", kinds[k], 0, json_path=searched[t].path)
            for t, k in zip(*np.nonzero(table), strict=True)]  # fmt: skip


def _texts(document: Mapping[str, Any], file: str) -> tuple[list[Text], list[str]]:
    """The free texts of one JSON document in document order, and the strings whose words are
    the dictionary's. Walked without recursion: nesting cannot exhaust the stack."""
    searched: list[Text] = []
    dictionary: list[str] = []
    # (value, JSON path, the property it is under, whether it is about the publication)
    stack: list[tuple[Any, str, str, bool]] = [(document, "", "", False)]
    while stack:
        value, path, key, publication = stack.pop()
        if isinstance(value, Mapping):
            stack += reversed([(v, _child(path, str(k)), str(k), publication or k in PUBLICATION)
                               for k, v in value.items()])  # fmt: skip
        elif isinstance(value, list):
            stack += reversed([(v, f"{path}[{i}]", key, publication)
                               for i, v in enumerate(value)])  # fmt: skip
        elif isinstance(value, str):
            if not publication and key in PROSE | LABELS:
                searched.append(Text(file, path, value))
            if publication or key not in PROSE:
                dictionary.append(value)
    return searched, dictionary


def _child(path: str, key: str) -> str:
    """The JSON path of property ``key`` of the value at ``path``."""
    if _NAME.fullmatch(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"
