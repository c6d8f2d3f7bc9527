"""A REDCap flat record export, read as text, turned into the tidy episode table.

The rows of a record: one with an empty ``redcap_repeat_instrument`` (the patient instrument's
fields), and one per instance of the repeating `dah_episode` (that episode's fields; the
instance number is the episode number). A project where `dah_episode` is not (yet) repeating
exports one row per record, with no ``redcap_repeat_*`` columns: its episode fields sit on that
row, and it is episode 1. Patient and episode rows are joined by record, column by column, with
pandas (no loop over rows).

Nothing is dropped without a word: an unknown column, a field missing from the export, a value
that is no code nor label, a repeat row of an instrument the dictionary lacks, an episode row
whose record has no patient row, a record without an episode, a row given twice, are each a
problem at its record, instrument, instance and field (`dahpkg.redcap.problems`). Only what
REDCap adds for its own use is left out, and named in the notes: each instrument's completion
status, survey time stamps and identifiers, the data access group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dahpkg.redcap.design import (
    ADMINISTRATIVE,
    COMPLETE,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    TIMESTAMP,
    Project,
    Variable,
)
from dahpkg.redcap.dictionary import Dictionary
from dahpkg.redcap.header import check_kind, variable_columns
from dahpkg.redcap.problems import Problems
from dahpkg.redcap.reading import TextTable
from dahpkg.redcap.values import decode, expected, filled, per_text, per_value, readings

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

INSTANCE = r"[1-9][0-9]{0,8}"  # REDCap numbers the instances of a record 1, 2, ...
SAVED = ("1", "2", "Unverified", "Complete")  # a form status that says the form was saved
INCOMPLETE = ("0", "Incomplete")


@dataclass(frozen=True)
class Mapped:
    """The episode table as text (the schema's columns; "" where missing) and the problems
    met on the way (the first `dahpkg.redcap.problems.KEEP`, and the number of all, in all
    and of each field and problem); ``records`` counted, ``notes`` on what REDCap adds and is
    left out."""

    episodes: pd.DataFrame
    problems: pd.DataFrame
    problem_count: int
    problem_counts: pd.DataFrame
    records: int
    notes: tuple[str, ...]


def map_export(table: TextTable, design: Project, dictionary: Dictionary) -> Mapped:
    """The episode table of the export ``table`` (see the module's description)."""
    import numpy as np
    import pandas as pd

    check_kind(table, design)
    cells = table.columns
    blank = pd.Series(np.full(len(table), "", dtype=object), dtype=object)
    record = cells[design.record_id]
    # An instrument by its name, or by the label a label export may give it ("Dah Episode").
    named = cells.get(REPEAT_INSTRUMENT, blank)
    instrument = per_text(named, lambda v: v.lower().replace(" ", "_"))
    instance = cells.get(REPEAT_INSTANCE, blank)
    problems = Problems(table.lines, record, named, instance)
    columns = variable_columns(table, design, problems)
    usable = _usable_rows(table, design, instrument, problems)
    patient_rows = usable & (instrument == "").to_numpy()
    instances = usable & (instrument == design.episode_form).to_numpy()
    episode_vars = [v for v in design.variables if v.form == design.episode_form]
    patient_vars = [
        v for v in design.variables if v.form == design.patient_form and v.name != design.record_id
    ]
    # A record's first row holds its episode when the project does not repeat dah_episode.
    holds_episode = _any_filled(cells, columns, episode_vars, blank)
    status = cells.get(design.episode_form + COMPLETE)
    if status is not None:
        holds_episode |= status.isin(SAVED).to_numpy()
    repeated = record.isin(record[instances]).to_numpy()
    problems.at(
        patient_rows & holds_episode & repeated,
        "",
        f"the record's first row holds DAH episode fields although the record also has "
        f"{design.episode_form} instances: clear them from that row in REDCap",
    )
    episode_rows = instances | (patient_rows & holds_episode & ~repeated)
    for variable in patient_vars:  # a patient's field on an episode's row has no place
        for column, _ in columns[variable.name]:
            problems.at(
                instances & filled(cells[column], variable),
                column,
                f"is given on a {design.episode_form} instance, but {variable.label} "
                f"describes the patient: the patient's fields belong on the record's first "
                f"row (the {design.patient_form} instrument)",
                value=cells[column],
            )
    episodes = _decoded(cells, columns, episode_vars, episode_rows, dictionary, problems)
    episodes[design.instance] = np.where(instances[episode_rows], instance[episode_rows], "1")
    patients = _decoded(cells, columns, patient_vars, patient_rows, dictionary, problems)
    _check_records(record, patient_rows, episode_rows, episodes[design.instance], design, problems)
    frame = _joined(record, episode_rows, patient_rows, episodes, patients, design)
    return Mapped(
        frame,
        problems.table(),
        problems.count,
        problems.counts(),
        int(record[usable].nunique()),
        _notes(table, design, cells, episode_rows),
    )


def _usable_rows(
    table: TextTable, design: Project, instrument: pd.Series, problems: Problems
) -> np.ndarray:
    """Rows of a known kind (the record's first row, or a dah_episode instance), each other
    row reported."""
    import numpy as np

    record, named, instance = problems.record, problems.instrument, problems.instance
    ragged = np.isin(table.lines, [line for line, _ in table.ragged])
    if ragged.any():
        width = len(table.labels)
        said = {
            line: f"the row has {n} cells where the header has {width}: the export is "
            "damaged; export it again"
            for line, n in table.ragged
        }
        texts = [said.get(int(line), "") for line in table.lines[ragged]]
        problem = np.full(len(table), "", dtype=object)
        problem[ragged] = texts
        problems.at(ragged, "", _series(problem))
    no_record = (record == "").to_numpy()
    problems.at(no_record, design.record_id, "the record ID is empty")
    kinds = instrument.isin(["", design.episode_form]).to_numpy()
    problems.at(
        ~no_record & (instrument == design.patient_form).to_numpy(),
        REPEAT_INSTRUMENT,
        f"{design.patient_form} is not a repeating instrument: its fields belong on "
        f"the record's first row; in Project Setup only {design.episode_form} repeats",
        value=named,
    )
    problems.at(
        ~no_record & ~kinds & (instrument != design.patient_form).to_numpy(),
        REPEAT_INSTRUMENT,
        f"is not an instrument of the dictionary ({', '.join(design.forms)})",
        value=named,
    )
    first = (instrument == "").to_numpy()
    numbered = per_value(instance, re.compile(INSTANCE).fullmatch)
    problems.at(
        ~no_record & first & (instance != "").to_numpy(),
        REPEAT_INSTANCE,
        f"is a repeat instance without an instrument (a repeating event?): only the "
        f"{design.episode_form} instrument repeats",
        value=instance,
    )
    problems.at(
        ~no_record & ~first & kinds & ~numbered,
        REPEAT_INSTANCE,
        "is not an instance number (1, 2, ...)",
        value=instance,
    )
    base = first & (instance == "").to_numpy()
    usable: np.ndarray = ~ragged & ~no_record & kinds & (base | (~first & numbered))
    return usable


def _series(values: np.ndarray) -> pd.Series:
    import pandas as pd

    return pd.Series(values, dtype=object)


def _any_filled(
    cells: dict[str, pd.Series],
    columns: dict[str, list[tuple[str, str]]],
    variables: list[Variable],
    blank: pd.Series,
) -> np.ndarray:
    """True on each row where a column of ``variables`` holds a datum."""
    import numpy as np

    found = np.zeros(len(blank), dtype=bool)
    for variable in variables:
        for column, _ in columns[variable.name]:
            found |= filled(cells[column], variable)
    return found


def _decoded(
    cells: dict[str, pd.Series],
    columns: dict[str, list[tuple[str, str]]],
    variables: list[Variable],
    rows: np.ndarray,
    dictionary: Dictionary,
    problems: Problems,
) -> dict[str, np.ndarray]:
    """The episode table's columns of ``variables`` on ``rows``, every cell that maps to
    nothing reported at its place."""
    import numpy as np

    where = np.flatnonzero(rows)
    out: dict[str, np.ndarray] = {}
    for variable in variables:
        if variable.type == "checkbox":  # an option missing from the export: reported, empty
            out.update(
                {
                    member: np.full(len(where), "", dtype=object)
                    for member in variable.values.values()
                }
            )
        else:
            out[variable.name] = np.full(len(where), "", dtype=object)
        for column, code in columns[variable.name]:
            values, unread = decode(
                cells[column][rows],
                readings(variable, dictionary, code),
                box=variable.type == "checkbox",
            )
            bad = np.zeros(len(rows), dtype=bool)
            bad[where[unread]] = True
            problems.at(
                bad,
                column,
                expected(variable, dictionary, code),
                value=cells[column],
                instrument=variable.form,
            )
            out[variable.values[code] if variable.type == "checkbox" else variable.name] = values
    return out


def _check_records(
    record: pd.Series,
    patient_rows: np.ndarray,
    episode_rows: np.ndarray,
    numbers: np.ndarray,
    design: Project,
    problems: Problems,
) -> None:
    """Report a record given twice, an instance given twice, an episode without its patient
    and a patient without an episode."""
    import numpy as np
    import pandas as pd

    def mask(rows: np.ndarray, within: np.ndarray) -> np.ndarray:
        found = np.zeros(len(record), dtype=bool)
        found[np.flatnonzero(rows)[within]] = True
        return found

    twice = record[patient_rows].duplicated().to_numpy()
    problems.at(
        mask(patient_rows, twice),
        "",
        f"the record has more than one row for the {design.patient_form} instrument: keep one",
    )
    keys = pd.Series(record[episode_rows].to_numpy(dtype=object) + "\x1f" + numbers.astype(object))
    shown = np.full(len(record), "", dtype=object)
    shown[episode_rows] = numbers
    problems.at(
        mask(episode_rows, keys.duplicated().to_numpy()),
        REPEAT_INSTANCE,
        "is an instance the record already has (a row given twice): keep one",
        value=_series(shown),
    )
    patients = record[patient_rows]
    problems.at(
        episode_rows & ~record.isin(patients).to_numpy(),
        "",
        f"the record has no row for the {design.patient_form} instrument, so the "
        "patient's fields are missing: export whole records",
    )
    problems.at(
        patient_rows & ~record.isin(record[episode_rows]).to_numpy(),
        "",
        f"the record has no DAH episode (no {design.episode_form} instance, no "
        "episode field filled): enter it in REDCap, or delete the record",
    )


def _joined(
    record: pd.Series,
    episode_rows: np.ndarray,
    patient_rows: np.ndarray,
    episodes: dict[str, np.ndarray],
    patients: dict[str, np.ndarray],
    design: Project,
) -> pd.DataFrame:
    """One row per episode, its patient's fields joined by record, in the export's order of
    records and then by episode number."""
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame(episodes)
    frame[design.record_id] = record[episode_rows].to_numpy(dtype=object)
    people = pd.DataFrame(patients)
    people.index = pd.Index(record[patient_rows].to_numpy(dtype=object))
    people = people[~people.index.duplicated()]
    joined = frame.join(people, on=design.record_id).fillna("")
    order = pd.Index(pd.unique(record[episode_rows | patient_rows].to_numpy(dtype=object)))
    position = order.get_indexer(joined[design.record_id])
    number = pd.to_numeric(joined[design.instance], errors="coerce").to_numpy()
    joined = joined.iloc[np.lexsort((number, position))]
    return joined[list(design.columns)].astype("str").reset_index(drop=True)


def _notes(
    table: TextTable, design: Project, cells: dict[str, pd.Series], episode_rows: np.ndarray
) -> tuple[str, ...]:
    """What REDCap adds to an export and the episode table leaves out, and the episodes
    REDCap marks incomplete."""
    own = {form + suffix for form in design.forms for suffix in (COMPLETE, TIMESTAMP)}
    added = [c for c in table.labels if c in ADMINISTRATIVE or c in own]
    notes = []
    if added:
        notes.append(f"Left out, as REDCap's own: {', '.join(added)}")
    status = cells.get(design.episode_form + COMPLETE)
    if status is not None:
        open_ = int(status[episode_rows].isin(INCOMPLETE).sum())
        if open_:
            notes.append(
                f"{open_} DAH episode(s) are marked Incomplete in REDCap "
                f"({design.episode_form}{COMPLETE}): check them there"
            )
    return tuple(notes)
