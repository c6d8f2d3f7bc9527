"""What could not be carried from a REDCap export into the episode table, each at its place in
REDCap: record, instrument, instance and field (and the line of the export file).

Problems are gathered column by column as tables (a badly wrong export of a large registry may
have millions), and put in words only when shown:
"record 7, dah_episode instance 2, field dah_inaugural (line 9): '3' is not a yes/no code
(1 = Yes, 0 = No) nor its label (Yes, No)".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

COLUMNS = ("line", "record", "instrument", "instance", "field", "value", "problem")
SHOWN_VALUE = 60  # characters of a cell quoted in a message


class Problems:
    """The problems of one export, gathered as they are found; rows are positions in the
    export (``lines`` gives each one's line, ``record``, ``instrument`` and ``instance`` its
    REDCap place)."""

    def __init__(
        self, lines: np.ndarray, record: pd.Series, instrument: pd.Series, instance: pd.Series
    ) -> None:
        self.lines, self.record = lines, record
        self.instrument, self.instance = instrument, instance
        self.parts: list[pd.DataFrame] = []

    def at(
        self,
        rows: np.ndarray,
        field: str,
        problem: str | pd.Series,
        *,
        value: pd.Series | str = "",
        instrument: str | None = None,
    ) -> None:
        """A problem on each row where ``rows`` (a boolean mask) is true: with the cell
        ``value`` (a column of the export, or one text for all) and the ``instrument`` named
        (by default the row's own, or the patient's first row's when it has none)."""
        import numpy as np
        import pandas as pd

        where = np.flatnonzero(rows)
        if not len(where):
            return
        values = value.to_numpy()[where] if isinstance(value, pd.Series) else value
        problems = problem.to_numpy()[where] if isinstance(problem, pd.Series) else problem
        shown = self.instrument.to_numpy()[where] if instrument is None else instrument
        self.parts.append(
            pd.DataFrame(
                {
                    "line": self.lines[where],
                    "record": self.record.to_numpy()[where],
                    "instrument": shown,
                    "instance": self.instance.to_numpy()[where],
                    "field": field,
                    "value": values,
                    "problem": problems,
                }
            )
        )

    def column(self, field: str, problem: str) -> None:
        """A problem with a whole column of the export (no row of its own)."""
        import pandas as pd

        row = {
            "line": 1,
            "record": "",
            "instrument": "",
            "instance": "",
            "field": field,
            "value": "",
            "problem": problem,
        }
        self.parts.append(pd.DataFrame([row]))

    def table(self) -> pd.DataFrame:
        """Every problem, in the order of the export's lines (the header's first)."""
        import pandas as pd

        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "line" else "str") for c in COLUMNS}
            )
        found = pd.concat(self.parts, ignore_index=True)
        return found.sort_values("line", kind="stable", ignore_index=True)


def describe(problems: pd.DataFrame, patient_form: str, most: int | None = None) -> list[str]:
    """The first ``most`` problems (all with None) in words, each at its REDCap place."""
    shown = problems if most is None else problems.head(most)
    lines = []
    for line, record, instrument, instance, field, value, problem in shown.itertuples(
        index=False, name=None
    ):
        place = [f"record {record}"] if record else []
        if record or instrument:
            form = instrument or patient_form
            place.append(f"{form} instance {instance}" if instance else form)
        if field:
            place.append(f"field {field}")
        where = ", ".join(place) or "the export"
        quoted = f"'{_cut(value)}' " if value else ""
        lines.append(f"{where} (line {line}): {quoted}{problem}")
    return lines


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_VALUE else text[:SHOWN_VALUE] + "..."
