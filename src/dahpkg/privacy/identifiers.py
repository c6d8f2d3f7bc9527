"""Direct identifiers in column names and cells: searched on each column's distinct values,
reported by where (file, column, row) and masked, never quoted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dahpkg.privacy.patterns import (
    _APOSTROPHES,
    _LOWER,
    _PARTICLES,
    CLINICAL_ENDINGS,
    CLINICAL_WORDS,
    COLUMN_PAIRS,
    COLUMN_WORDS,
    DECLARED,
    LONG_NUMBER,
    LONG_PSEUDONYM,
    NAME,
    PATTERNS,
    PERSON_WORDS,
    WHOLE_NUMBER,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from dahpkg.package import TableSchema
    from dahpkg.package.cells import Cells

MAX_LOCATIONS = 20


@dataclass(frozen=True)
class Identifier:
    """Direct identifiers of one kind found in one column of one file."""

    file: str
    column: str
    kind: str
    count: int  # cells; 0 when the column name itself is the finding
    rows: tuple[int, ...] = ()  # the first MAX_LOCATIONS rows
    examples: tuple[str, ...] = ()  # masked: first character and length only

    @property
    def in_name(self) -> bool:
        return self.count == 0

    def describe(self) -> str:
        if self.in_name:
            return f"{self.file}: the column '{self.column}' holds {a_kind(self.kind)} by its name"
        rows = ", ".join(str(r) for r in self.rows)
        more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
        return (f"{self.file}, column '{self.column}': {self.count} cell(s) look like "
                f"{a_kind(self.kind)} (row {rows}{more}; {', '.join(self.examples)})")  # fmt: skip


def column_kind(label: str) -> str | None:
    """The kind of direct identifier a column name announces, if any.

    >>> column_kind("Date of birth"), column_kind("patientName"), column_kind("drug_name")
    ('full date (only the year may be released)', 'personal name', None)
    """
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", label)
    words = set(re.findall(r"[a-z]+", _ascii(spaced).lower()))
    if words & {"name", "names"} and not words - PERSON_WORDS:
        return NAME
    for kind, markers in COLUMN_WORDS.items():
        if words & markers:
            return kind
    for kind, pairs in COLUMN_PAIRS.items():
        if any(word in words and words & partners for word, partners in pairs):
            return kind
    return None


def _ascii(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


@dataclass(frozen=True)
class Scan:
    """What the search for identifiers knows: the dictionary's words, and the texts the
    authors reviewed as not identifying (compared case-insensitively)."""

    vocabulary: frozenset[str]
    reviewed: frozenset[str]

    @classmethod
    def of(cls, schema: TableSchema, others: Iterable[Any], reviewed: Iterable[str]) -> Scan:
        """The scan for a package whose episodes follow ``schema``, with ``others`` its
        other Table Schemas, and ``reviewed`` the texts cleared by the authors."""
        return cls(vocabulary(schema, others), frozenset(_normal(t) for t in reviewed if t.strip()))

    def find(self, found: Cells, schema: TableSchema) -> list[Identifier]:
        """Every identifier in the header and the cells of one file (or sheet)."""
        return _identifiers(found, schema, self)


def _identifiers(found: Cells, schema: TableSchema, scan: Scan) -> list[Identifier]:
    import numpy as np
    import pandas as pd

    declared = {f.name: f for f in schema.fields}
    header = pd.Series(list(found.labels), dtype="str")
    result = _cell_identifiers(found.where, "(header row)", header,
                               np.ones(len(header), dtype=int), scan, pseudonym=False)  # fmt: skip
    for label in found.labels:
        item = declared.get(label)
        role = item.privacy if item is not None else None
        kind = column_kind(label) if role != "pseudonym" else None
        if role == "direct-identifier":
            kind = kind or DECLARED
        if kind is not None and _normal(label) not in scan.reviewed:
            shown = _mask(label) if re.search(r"[\d@]", label) else label
            result.append(Identifier(found.where, shown, kind, 0))
        result += _cell_identifiers(found.where, label, found.columns[label], found.rows, scan,
                                    pseudonym=role == "pseudonym")  # fmt: skip
    return result


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cell_identifiers(where: str, label: str, cells: pd.Series, rows: np.ndarray, scan: Scan,
                      *, pseudonym: bool) -> list[Identifier]:  # fmt: skip
    """Identifiers in one column's cells, by kind; a cell counts once, under its first kind.

    The patterns run on the column's distinct values (two in a yes/no column), then the
    verdicts are mapped back to the cells.
    """
    import pandas as pd

    values = pd.Series(cells.unique(), dtype="str")
    kinds = _value_kinds(values, scan, pseudonym=pseudonym)
    if not kinds.notna().any():
        return []
    per_cell = cells.map(dict(zip(values, kinds, strict=True)))
    result: list[Identifier] = []
    for kind in dict.fromkeys(kinds.dropna()):
        positions = (per_cell == kind).to_numpy().nonzero()[0]
        shown = positions[:MAX_LOCATIONS]
        result.append(Identifier(
            where, label, kind, len(positions), tuple(dict.fromkeys(int(r) for r in rows[shown])),
            tuple(_mask(str(v)) for v in cells.iloc[shown[:3]]),
        ))  # fmt: skip
    return result


def _value_kinds(values: pd.Series, scan: Scan, *, pseudonym: bool) -> pd.Series:
    """The kind of identifier each value is (its first matching pattern), or missing.

    The patterns run in pyarrow's regex engine (RE2) on the whole column at once.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values.to_numpy(dtype=object), type=pa.string())
    kinds = pd.Series(None, index=values.index, dtype="object")
    remaining = np.array(values.str.strip() != "", dtype=bool)  # a writable copy
    if scan.reviewed and remaining.any():
        normal = values.str.split().str.join(" ").str.casefold()
        remaining &= ~normal.isin(list(scan.reviewed)).to_numpy(dtype=bool)
    for pattern in PATTERNS:
        if not remaining.any():
            break
        regex = pattern.regex
        if regex == LONG_NUMBER:
            regex = WHOLE_NUMBER[LONG_PSEUDONYM if pseudonym else LONG_NUMBER]
        hit = remaining & np.asarray(pc.match_substring_regex(texts, regex), dtype=bool)
        if pattern.weak and hit.any():
            # judged on the words that matched: "seen by John Smith on the ward" is a name
            found = pc.extract_regex(texts.filter(pa.array(hit)), f"(?P<m>{regex})")
            matched = pd.Series(found.field("m").to_pylist(), dtype="str")
            clinical = _clinical(matched, scan.vocabulary).to_numpy(dtype=bool)
            positions = hit.nonzero()[0]
            hit[positions[clinical]] = False
        kinds[hit] = pattern.kind
        remaining &= ~hit
    return kinds


def _clinical(cells: pd.Series, vocabulary: frozenset[str]) -> pd.Series:
    """True where a text is made only of the dictionary's words, or names a clinical entity,
    a place of care or a drug."""
    words = cells.str.lower().str.findall(f"[{_LOWER}{_APOSTROPHES}-]+").explode()
    known = words.isin(vocabulary) | words.isin(_PARTICLES.split("|"))
    clinical = words.isin(list(CLINICAL_WORDS)) | words.str.endswith(CLINICAL_ENDINGS).fillna(False)
    result: pd.Series = known.groupby(level=0).all() | clinical.groupby(level=0).any()
    return result


def identifying_text(text: str, vocabulary: frozenset[str] = frozenset()) -> list[str]:
    """The kinds of direct identifier a piece of prose holds (the --risk-accepted reason,
    which is published with the data)."""
    import pandas as pd

    found = []
    for pattern in PATTERNS:
        match = re.search(pattern.regex, text) if pattern.in_prose else None
        if match is None:
            continue
        if pattern.weak and _clinical(pd.Series([match.group(0)], dtype="str"), vocabulary).iloc[0]:
            continue
        found.append(pattern.kind)
    return sorted(set(found))


def vocabulary(schema: TableSchema, others: Iterable[Any] = ()) -> frozenset[str]:
    """Every word of the data dictionary: names, titles, descriptions and categories of the
    episode fields, and every text of the package's other Table Schemas."""
    texts = [t for f in schema.fields for t in (f.name, f.title, f.description,
                                               *f.categories.values(), *f.categories)]  # fmt: skip
    texts += _strings(list(others))
    word = re.compile(f"[{_LOWER}{_APOSTROPHES}-]+")
    return frozenset(w for t in texts for w in word.findall(t.lower()))


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def a_kind(kind: str) -> str:
    """The kind with its article: "an e-mail address", "a personal name"."""
    return f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"


def _mask(text: str) -> str:
    text = text.strip()
    return f"{text[:1]}… ({len(text)} characters)"
