"""A REDCap record export made into the package's episode table (``dahpkg import redcap``).

`import_redcap` reads the project's data dictionary, checked against the package's Table
Schema, and its flat record export (raw codes or labels, with or without repeat rows), and
returns a `RedcapImport`: the episode table as text, laid out as the package's
``data/episodes.csv`` is (the schema's columns in order, ``true``/``false``, an empty cell where
nothing was recorded), and every cell, row or column that could not be carried over, at its
REDCap record, instrument, instance and field (all counted, only the first
`dahpkg.redcap.problems.KEEP` kept, so that a badly wrong export of millions of rows does not
take memory for each). `write_episodes` writes the table only when nothing is left over,
atomically and never over a file unless asked, and then validates the file written against the
package's rules, as ``dahpkg validate`` does: a table that breaks a rule is still written, for
the centre to correct in REDCap (or to confirm) and export again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dahpkg import _atomic
from dahpkg.errors import DataError, InputError
from dahpkg.package import PackageLike, TableSchema
from dahpkg.redcap.design import project
from dahpkg.redcap.problems import describe, tally

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.validation import Report


@dataclass(frozen=True)
class RedcapImport:
    """What an export gave: ``episodes`` (text, the schema's columns); ``problems``, one row
    per cell, row or column not carried over (line, record, instrument, instance, field,
    value, problem), the first `dahpkg.redcap.problems.KEEP` (10,000) in the export's order
    only; ``problem_count``, the number of all of them; ``problem_counts``, the number of each
    field ("" for a row's) and problem (field, problem, count); the number of ``records`` and
    of ``rows`` read; and ``notes`` on what REDCap adds to an export and the episode table
    leaves out."""

    source: str
    episodes: pd.DataFrame
    problems: pd.DataFrame
    problem_count: int
    problem_counts: pd.DataFrame
    records: int
    rows: int
    notes: tuple[str, ...]
    schema: TableSchema
    patient_form: str
    files: tuple[Path, ...] = ()  # the export and the dictionary read: never written over

    @property
    def complete(self) -> bool:
        """True when every cell of the export found its place in the episode table."""
        return self.problem_count == 0

    def messages(self, most: int | None = None) -> list[str]:
        """The first ``most`` problems (all those kept with None) in words, each at its REDCap
        place: no more than ``problems`` holds, which may be fewer than ``problem_count``."""
        return describe(self.problems, self.patient_form, most)

    def tally(self) -> list[str]:
        """The number of each field and problem in words, in the order first met:
        "field icu, 3,000,000 time(s): is not a yes/no code ..."."""
        return tally(self.problem_counts)

    def csv(self) -> bytes:
        """The episode table as UTF-8 CSV, as the package stores it (quoted only where a cell
        holds a comma, a quote or a line break, as Python's csv module quotes). Each distinct
        value of a column is quoted once; pyarrow lays the rows out."""
        import pyarrow as pa
        import pyarrow.compute as pc

        header = ",".join(_quoted_one(c) for c in self.episodes.columns) + "\n"
        if not len(self.episodes):
            return header.encode("utf-8")
        cells = []
        for name in self.episodes.columns:
            encoded = pc.dictionary_encode(pa.array(self.episodes[name], pa.string()))
            values = encoded.dictionary
            quoted = pc.binary_join_element_wise(
                '"', pc.replace_substring(values, '"', '""'), '"', ""
            )
            values = pc.if_else(pc.match_substring_regex(values, '[,"\r\n]'), quoted, values)
            cells.append(values.take(encoded.indices))
        rows = pc.binary_join_element_wise(*cells, ",")
        return (header + "\n".join(rows.to_pylist()) + "\n").encode("utf-8")


def _quoted_one(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"' if any(c in cell for c in ',"\r\n') else cell


def import_redcap(
    export: str | Path,
    dictionary: str | Path,
    package: PackageLike = None,
    *,
    encoding: str | None = None,
) -> RedcapImport:
    """The episode table of the REDCap record export ``export``, whose project's data
    dictionary is ``dictionary``, for the package ``package`` (a path, a `Package`, or None for
    the shipped one; its Table Schema says what the table holds). ``encoding`` is the files'
    when they are neither UTF-8 nor UTF-16 with its mark.

    `InputError` when a file cannot be read, the dictionary does not match the schema, or the
    export is not a flat record export of such a project; every other problem is in the
    result's ``problems``.

    >>> import tempfile, pathlib
    >>> from dahpkg.redcap.dictionary import dictionary_csv
    >>> from dahpkg.package import shipped_schema
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "dictionary.csv").write_bytes(dictionary_csv(shipped_schema()))
    >>> _ = (folder / "export.csv").write_text("patient_id,sex,fever\\n7,2,1\\n")
    >>> imported = import_redcap(folder / "export.csv", folder / "dictionary.csv")
    >>> imported.complete, imported.problem_count, imported.problems["field"].iloc[0]
    (False, 30, 'race')
    >>> imported.messages(1)[0][:46]
    'field race (line 1): is not in the export, so '
    """
    from dahpkg.package import open_package
    from dahpkg.package.encoding import codec_name
    from dahpkg.redcap.dictionary import read_dictionary
    from dahpkg.redcap.reading import read_table
    from dahpkg.redcap.records import map_export

    schema = open_package(package).schema
    design = project(schema)
    encoding = codec_name(encoding)
    known = read_dictionary(dictionary, design, encoding)
    table = read_table(export, "the REDCap export", encoding)
    mapped = map_export(table, design, known)
    return RedcapImport(
        table.where,
        mapped.episodes,
        mapped.problems,
        mapped.problem_count,
        mapped.problem_counts,
        mapped.records,
        len(table),
        mapped.notes,
        schema,
        design.patient_form,
        (Path(export), Path(dictionary)),
    )


def check_output(
    output: str | Path, inputs: tuple[str | Path, ...] = (), *, force: bool = False
) -> Path:
    """``output`` if the episode table may be written there: refused (`InputError`) when it is
    not a .csv name, when it is one of ``inputs`` (the export and the dictionary are never
    written over, even with ``force``: they are what the centre corrects and exports again),
    or, without ``force``, when it exists. The command checks it before reading anything, so
    that a wrong name costs no import."""
    output = Path(output)
    if output.suffix.lower() != ".csv":
        raise InputError(f"the episode table is CSV: name the output {output.stem}.csv")
    for given in map(Path, inputs):
        if given.resolve() == output.resolve() or _same(given, output):
            raise InputError(
                f"{output} is a file being imported ({given}): name the episode table "
                "another file (the REDCap export and dictionary are never written over)"
            )
    if not force and output.exists():
        raise InputError(f"{output} exists; add --force to replace it")
    return output


def _same(one: Path, other: Path) -> bool:
    try:
        return one.samefile(other)
    except OSError:  # either does not exist (yet)
        return False


def write_episodes(imported: RedcapImport, output: str | Path, *, force: bool = False) -> Report:
    """Write the episode table of ``imported`` to ``output`` (a .csv file; an existing one is
    replaced only with ``force``) and return the validation of the file written. `DataError`
    when a cell of the export found no place in the table: nothing is written then."""
    from dahpkg.package import Package
    from dahpkg.validation import validate

    output = check_output(output, imported.files, force=force)
    if not imported.complete:
        count = imported.problem_count
        raise DataError(
            f"{count:,} problem(s) in {imported.source}, the first: {imported.messages(1)[0]}; "
            f"nothing was written to {output}"
        )
    try:
        _atomic.write_bytes(output, imported.csv(), replace=force)
    except FileExistsError:
        raise InputError(f"{output} exists; add --force to replace it") from None
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None
    return validate(Package(output, "csv", imported.schema))
