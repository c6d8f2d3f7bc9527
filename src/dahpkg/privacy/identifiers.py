"""Direct identifiers in column names and cells: searched on the distinct values of a whole
file at once, reported by where (file, column, row) and masked, never quoted."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dahpkg.privacy.initials import abbreviations, holds_initials
from dahpkg.privacy.patterns import (
    _APOSTROPHES,
    _LOWER,
    _PARTICLES,
    CLINICAL_ENDINGS,
    CLINICAL_WORDS,
    COLUMN_PAIRS,
    COLUMN_WORDS,
    DECLARED,
    INITIALS,
    LONG_NUMBER,
    LONG_PSEUDONYM,
    NAME,
    PATTERNS,
    PERSON_WORDS,
    WHOLE_NUMBER,
    Pattern,
)

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from dahpkg.package import TableSchema
    from dahpkg.package.cells import Cells

MAX_LOCATIONS = 20


@dataclass(frozen=True)
class Identifier:
    """Direct identifiers of one kind found in one column of one file, or in one text of the
    package's descriptor or Table Schemas (then ``json_path`` says which)."""

    file: str
    column: str
    kind: str
    count: int  # cells; 0 when the column name or a metadata text is the finding
    rows: tuple[int, ...] = ()  # the first MAX_LOCATIONS rows
    examples: tuple[str, ...] = ()  # masked: first character and length only
    json_path: str | None = None  # resources[0].schema.fields[3].description

    @property
    def in_name(self) -> bool:
        return self.count == 0 and self.json_path is None

    @property
    def in_metadata(self) -> bool:
        return self.json_path is not None

    def describe(self) -> str:
        if self.json_path is not None:
            return (
                f"{self.file}, {self.json_path}: the text looks like it holds {a_kind(self.kind)}"
            )
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
    """What the search for identifiers knows: the dictionary's words, the texts the authors
    reviewed as not identifying (compared case-insensitively), and the capital abbreviations
    that are not initials."""

    vocabulary: frozenset[str]
    reviewed: frozenset[str]
    abbreviations: frozenset[str] = frozenset()

    @classmethod
    def of(cls, schema: TableSchema, others: Iterable[Any], reviewed: Iterable[str]) -> Scan:
        """The scan for a package whose episodes follow ``schema``, with ``others`` its
        other Table Schemas, and ``reviewed`` the texts cleared by the authors."""
        cleared = frozenset(_normal(t) for t in reviewed if t.strip())
        texts = _dictionary(schema, others)
        return cls(words(texts), cleared, abbreviations(texts, cleared))

    def find(self, found: Cells, schema: TableSchema) -> list[Identifier]:
        """Every identifier in the header and the cells of one file (or sheet)."""
        return _identifiers(found, schema, self)


def _identifiers(found: Cells, schema: TableSchema, scan: Scan) -> list[Identifier]:
    import numpy as np
    import pandas as pd

    declared = {f.name: f for f in schema.fields}
    roles = [declared[n].privacy if n in declared else None for n in found.labels]
    # The header row is searched as one more column (index 0), each label a cell of row 1.
    header = pd.Series(list(found.labels), dtype="str")
    in_cells = _cell_identifiers(
        found.where, ["(header row)", *found.labels],
        [header, *(found.columns[n] for n in found.labels)],
        lambda i: found.rows if i else np.ones(len(header), dtype=int),
        np.array([False, *(role == "pseudonym" for role in roles)]), scan,
    )  # fmt: skip
    # A column name in capitals is an abbreviation ("NHS number", "ICU"), not initials.
    result = [i for i in in_cells.get(0, []) if i.kind != INITIALS]
    for i, (label, role) in enumerate(zip(found.labels, roles, strict=True), start=1):
        kind = column_kind(label) if role != "pseudonym" else None
        if role == "direct-identifier":
            kind = kind or DECLARED
        if kind is not None and _normal(label) not in scan.reviewed:
            shown = _mask(label) if re.search(r"[\d@]", label) else label
            result.append(Identifier(found.where, shown, kind, 0))
        result += in_cells.get(i, [])
    return result


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def _cell_identifiers(where: str, labels: list[str], columns: list[pd.Series],
                      rows: Callable[[int], np.ndarray], pseudonym: np.ndarray,
                      scan: Scan) -> dict[int, list[Identifier]]:  # fmt: skip
    """Identifiers in the cells of every column of one file, by column index and kind; a cell
    counts once, under its first kind.

    The columns are searched together, not one by one: the patterns run once on the distinct
    texts of the whole file (two in a file of yes/no columns), so that a file of 16,000
    columns costs a few calls, not 16,000 times each pattern. Only the cells whose text was
    found are then traced back to their column and row.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    result: dict[int, list[Identifier]] = {}
    # A study number may be a long number: pseudonym columns are searched on their own.
    for chosen in (np.flatnonzero(~pseudonym), np.flatnonzero(pseudonym)):
        if not len(chosen):
            continue
        arrays = [_arrow_text(columns[i]) for i in chosen]
        chunks = [chunk for array in arrays for chunk in array.chunks]
        texts = pc.fill_null(pa.chunked_array(chunks, type=pa.large_string()), "")
        values = pc.unique(texts)
        kinds = _value_kinds(values, scan, pseudonym=bool(pseudonym[chosen[0]]))
        found = pd.notna(kinds)
        if not found.any():
            continue
        identifying = values.filter(pa.array(found))
        hits = pc.is_in(texts, value_set=identifying)
        positions = np.flatnonzero(np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool))
        cells = texts.filter(hits).combine_chunks()  # one array: a cell is found at once
        which = pc.index_in(cells, value_set=identifying).to_numpy(zero_copy_only=False)
        cell_kinds = kinds[found][which]
        starts = np.concatenate([[0], np.cumsum([len(a) for a in arrays])])
        column = np.searchsorted(starts, positions, side="right") - 1
        within = positions - starts[column]
        # Positions run column after column: each column's hits are one slice.
        bounds = np.flatnonzero(np.diff(column)) + 1
        for first, last in zip([0, *bounds], [*bounds, len(column)], strict=True):
            index = int(chosen[column[first]])
            for kind in dict.fromkeys(cell_kinds[first:last]):
                picked = first + np.flatnonzero(cell_kinds[first:last] == kind)
                shown = within[picked[:MAX_LOCATIONS]]
                result.setdefault(index, []).append(Identifier(
                    where, labels[index], kind, len(picked),
                    tuple(dict.fromkeys(int(r) for r in rows(index)[shown])),
                    tuple(_mask(cells[int(j)].as_py()) for j in picked[:3]),
                ))  # fmt: skip
    return result


def _arrow_text(cells: pd.Series) -> pa.ChunkedArray:
    """A column's cells as pyarrow text, without a copy when pandas already holds them so."""
    import pyarrow as pa

    array = cells.array
    if hasattr(array, "__arrow_array__"):
        found = array.__arrow_array__()
        chunked = found if isinstance(found, pa.ChunkedArray) else pa.chunked_array([found])
    else:
        chunked = pa.chunked_array([pa.array(cells.to_numpy(dtype=object), pa.string())])
    return chunked if chunked.type == pa.large_string() else chunked.cast(pa.large_string())


def _value_kinds(texts: pa.Array, scan: Scan, *, pseudonym: bool) -> np.ndarray:
    """The kind of identifier each text is (its first matching pattern), or None.

    The patterns run in pyarrow's regex engine (RE2) on all the texts at once.
    """
    import numpy as np

    kinds = np.full(len(texts), None, dtype=object)
    for kind, hit in matches(texts, scan, _cell_patterns(pseudonym), first_only=True):
        kinds[hit] = kind
    return kinds


def _cell_patterns(pseudonym: bool) -> tuple[Pattern, ...]:
    """The patterns for cells, the long number resolved (a study number may be longer)."""
    number = WHOLE_NUMBER[LONG_PSEUDONYM if pseudonym else LONG_NUMBER]
    return tuple(replace(p, regex=number) if p.regex == LONG_NUMBER else p for p in PATTERNS)


def matches(texts: pa.Array, scan: Scan, patterns: Iterable[Pattern], *,
            first_only: bool) -> Iterator[tuple[str, np.ndarray]]:  # fmt: skip
    """Each pattern's kind and the texts it finds, in the order of ``patterns``: with
    ``first_only`` a text is found by its first pattern alone. Blank texts and those the
    authors reviewed are never found; a weak pattern's match made of clinical wording is not
    either."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pc.fill_null(texts, "")
    searched = np.asarray(pc.not_equal(pc.utf8_trim_whitespace(texts), ""), dtype=bool)
    if scan.reviewed and searched.any():
        values = pd.Series(texts.to_numpy(zero_copy_only=False), dtype="str")
        normal = values.str.split().str.join(" ").str.casefold()
        searched &= ~normal.isin(list(scan.reviewed)).to_numpy(dtype=bool)
    remaining = searched.copy()
    for pattern in patterns:
        if not remaining.any():
            if first_only:
                break
            continue
        hit = remaining & np.asarray(pc.match_substring_regex(texts, pattern.regex), dtype=bool)
        if pattern.weak and hit.any():
            # judged on the words that matched: "seen by John Smith on the ward" is a name
            found = pc.extract_regex(texts.filter(pa.array(hit)), f"(?P<m>{pattern.regex})")
            matched = pd.Series(found.field("m").to_pylist(), dtype="str")
            clinical = _clinical(matched, scan.vocabulary).to_numpy(dtype=bool)
            positions = hit.nonzero()[0]
            hit[positions[clinical]] = False
        if pattern.initials and hit.any():
            candidates = texts.filter(pa.array(hit))
            named = holds_initials(candidates, scan.abbreviations, scan.vocabulary)
            hit[hit.nonzero()[0][~named]] = False
        if hit.any():
            yield pattern.kind, hit
        if first_only:
            remaining &= ~hit


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
    return words(_dictionary(schema, others))


def _dictionary(schema: TableSchema, others: Iterable[Any]) -> list[str]:
    """The texts of the data dictionary: see `vocabulary`; with the spellings of yes, no and
    not recorded, which a cell may hold."""
    texts = [
        t
        for f in schema.fields
        for t in (
            f.name,
            f.title,
            f.description,
            f.letter,
            *f.categories.values(),
            *f.categories,
            *f.category_groups.values(),
            *f.true_values,
            *f.false_values,
            *f.missing_values,
        )
    ]
    return texts + _strings(list(others))


def words(texts: Iterable[str]) -> frozenset[str]:
    """The words of ``texts``, lower case."""
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
