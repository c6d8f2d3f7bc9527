"""What a cell of a REDCap export stands for in the episode table.

An export gives raw codes (``1``/``0``, radio codes, ``1``/``0`` per checkbox option) or labels
(``Yes``/``No``, the choice labels, ``Checked``/``Unchecked``, or with "export checkbox labels"
the option's label where ticked and nothing where not). Which one a column holds is found
column by column: the first reading that accounts for every cell of the column, else the one
that accounts for most, and each cell it does not account for is a problem. The labels are the
project's own, from its dictionary (`dahpkg.redcap.dictionary.Dictionary`).

A checkbox has no "not recorded": REDCap exports an unticked option as 0 (or Unchecked, or
nothing with option labels), so an unticked option of a field group is "no" (the group's
members are required yes/no fields, `dahpkg.package.groups`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dahpkg.redcap.design import FALSE, TRUE, YES_NO, Variable
from dahpkg.redcap.dictionary import Dictionary

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

Reading = dict[str, str]  # a cell as exported -> the cell of the episode table
LABELS = {"yesno": {"Yes": TRUE, "No": FALSE}, "truefalse": {"True": TRUE, "False": FALSE}}
TICKED = {"Checked": TRUE, "Unchecked": FALSE}
# What says that a checkbox option is not ticked, in any reading: such a cell is no datum.
UNTICKED = ("", "0", "Unchecked")


def readings(variable: Variable, dictionary: Dictionary, code: str = "") -> list[Reading]:
    """The ways a column of ``variable`` may be exported (raw first); none for a text field,
    whose cells pass as written. ``code`` is the option of a checkbox column."""
    labels = dictionary.labels.get(variable.name, {})
    if variable.type == "yesno":
        return [dict(YES_NO), LABELS.get(dictionary.types.get(variable.name, ""), LABELS["yesno"])]
    if variable.type == "radio":
        named = {labels[c]: value for c, value in variable.values.items() if c in labels}
        return [dict(variable.values), named]
    if variable.type == "checkbox":
        option = {labels[code]: TRUE} if code in labels else {}
        return [dict(YES_NO), TICKED, option]
    return []


def expected(variable: Variable, dictionary: Dictionary, code: str = "") -> str:
    """What a cell of ``variable``'s column must be, for messages."""
    labels = dictionary.labels.get(variable.name, {})
    if variable.type == "yesno":
        named = " or ".join(LABELS.get(dictionary.types.get(variable.name, ""), LABELS["yesno"]))
        return f"is not a yes/no code (1 = Yes, 0 = No) nor its label ({named})"
    if variable.type == "radio":
        coding = ", ".join(f"{c} = {labels.get(c, label)}" for c, label in variable.choices)
        return f"is not one of the codes of {variable.label} ({coding}) nor their labels"
    option = labels.get(code, code)
    return (
        f"is not a checkbox value (1 = ticked, 0 = not ticked; Checked or Unchecked; or the "
        f"option's label, {option})"
    )


def filled(cells: pd.Series, variable: Variable) -> np.ndarray:
    """True where a cell holds a datum: not empty, and for a checkbox, ticked or unreadable."""
    if variable.type == "checkbox":
        return per_value(cells, lambda v: v not in UNTICKED)
    return per_value(cells, bool)


def per_value(cells: pd.Series, test: Callable[[str], object]) -> np.ndarray:
    """``test`` of each cell, computed once per distinct value (a column of an export holds a
    handful: codes, labels, ages) and spread back over the rows."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(cells.to_numpy(dtype=object))
    found = np.array([bool(test(u)) for u in uniques], dtype=bool)
    return found[codes] if len(codes) else np.zeros(0, dtype=bool)


def per_text(cells: pd.Series, change: Callable[[str], str]) -> pd.Series:
    """``change`` of each cell, computed once per distinct value (see `per_value`)."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(cells.to_numpy(dtype=object))
    changed = np.array([change(u) for u in uniques] or [""], dtype=object)
    return pd.Series(changed[codes] if len(codes) else [], index=cells.index, dtype=object)


def decode(
    cells: pd.Series, choices: list[Reading], *, box: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The episode table's cells for ``cells`` read the way of ``choices`` that accounts for
    them best, and where a cell is accounted for by none. Without ``choices`` the cells pass
    as written. An empty cell stays empty; a checkbox's (``box``) is "no". Each distinct value
    is looked up once, then spread back over the rows."""
    import numpy as np
    import pandas as pd

    values = cells.to_numpy(dtype=object)
    if not choices:
        return values, np.zeros(len(values), dtype=bool)
    codes, uniques = pd.factorize(values)
    counts = np.bincount(codes, minlength=len(uniques))
    given = [u != "" for u in uniques]
    needed = int(sum(c for c, g in zip(counts, given, strict=True) if g))
    best, most = choices[0], -1
    for reading in choices:
        known = int(
            sum(c for u, c, g in zip(uniques, counts, given, strict=True) if g and u in reading)
        )
        if known == needed:
            best = reading
            break
        if known > most:
            best, most = reading, known
    empty = FALSE if box else ""
    out = np.array(
        [best.get(u, "") if g else empty for u, g in zip(uniques, given, strict=True)], dtype=object
    )
    unread = np.array(
        [g and u not in best for u, g in zip(uniques, given, strict=True)], dtype=bool
    )
    if not len(codes):
        return np.zeros(0, dtype=object), np.zeros(0, dtype=bool)
    return out[codes], unread[codes]
