"""What could not be carried from a REDCap export into the episode table, each at its place in
REDCap: record, instrument, instance and field (and the line of the export file).

Problems are gathered column by column as tables, and put in words only when shown:
"record 7, dah_episode instance 2, field dah_inaugural (line 9): '3' is not a yes/no code
(1 = Yes, 0 = No) nor its label (Yes, No)".

A badly wrong export of a large registry may have millions (3 million rows of one record, two
cells of each no code, are 6 million), and no one reads past the first few: every problem is
counted, in all and by field and problem, but only the first `KEEP` in the export's order are
kept as rows, so that the memory taken does not grow with them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

COLUMNS = ("line", "record", "instrument", "instance", "field", "value", "problem")
COUNTED = ("field", "problem", "count")
KEEP = 10_000  # problems kept as rows, the first in the export's order; all are counted
SHOWN_VALUE = 60  # characters of a cell quoted in a message


class Problems:
    """The problems of one export, gathered as they are found; rows are positions in the
    export (``lines`` gives each one's line, ``record``, ``instrument`` and ``instance`` its
    REDCap place). ``count`` is the number found; `table` holds the first ``keep`` of them and
    `counts` the number of each field and problem."""

    def __init__(
        self,
        lines: np.ndarray,
        record: pd.Series,
        instrument: pd.Series,
        instance: pd.Series,
        keep: int | None = None,
    ) -> None:
        self.lines, self.record = lines, record
        self.instrument, self.instance = instrument, instance
        self.keep, self.count = KEEP if keep is None else keep, 0
        self.parts: list[pd.DataFrame] = []
        self.kept = 0  # rows in parts
        # (field, problem) -> [count, first line], in the order found
        self.kinds: dict[tuple[str, str], list[int]] = {}

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
        if isinstance(problem, pd.Series):  # one text per row (a handful of distinct ones)
            codes, texts = pd.factorize(problem.to_numpy()[where])
            counts = np.bincount(codes, minlength=len(texts))
            firsts = np.unique(codes, return_index=True)[1]
            for text, count, first in zip(texts, counts, firsts, strict=True):
                self._counted(field, str(text), int(count), int(self.lines[where[first]]))
        else:
            self._counted(field, problem, len(where), int(self.lines[where[0]]))
        # Rows are in the export's order: the first ``keep`` of this check are all of its that
        # can be among the first ``keep`` of the export.
        # Only those kept are taken from the columns, whatever their dtype.
        where = where[: self.keep]
        values = value.iloc[where].to_numpy() if isinstance(value, pd.Series) else value
        problems = problem.iloc[where].to_numpy() if isinstance(problem, pd.Series) else problem
        shown = self.instrument.iloc[where].to_numpy() if instrument is None else instrument
        self._kept(
            pd.DataFrame(
                {
                    "line": self.lines[where],
                    "record": self.record.iloc[where].to_numpy(),
                    "instrument": shown,
                    "instance": self.instance.iloc[where].to_numpy(),
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
        self._counted(field, problem, 1, 1)
        self._kept(pd.DataFrame([row]))

    def _counted(self, field: str, problem: str, count: int, line: int) -> None:
        self.count += count
        kind = self.kinds.setdefault((field, problem), [0, line])
        kind[0] += count

    def _kept(self, part: pd.DataFrame) -> None:
        """Keep ``part``; once twice ``keep`` rows are held, only the first ``keep``."""
        self.parts.append(part)
        self.kept += len(part)
        if self.kept > 2 * self.keep:
            self.parts = [self.table()]
            self.kept = len(self.parts[0])

    def table(self) -> pd.DataFrame:
        """The first ``keep`` problems, in the order of the export's lines (the header's first;
        on one line, in the order found)."""
        import pandas as pd

        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "line" else "str") for c in COLUMNS}
            )
        found = pd.concat(self.parts, ignore_index=True)
        found = found.sort_values("line", kind="stable", ignore_index=True)
        return found.head(self.keep)

    def counts(self) -> pd.DataFrame:
        """The number of problems of each field (\"\" for a row's) and problem, in the order
        of the line each is first met on."""
        import pandas as pd

        rows = sorted(
            ((field, problem, n, line) for (field, problem), (n, line) in self.kinds.items()),
            key=lambda kind: kind[3],
        )
        counted = pd.DataFrame([r[:3] for r in rows], columns=list(COUNTED))
        return counted.astype({"field": "str", "problem": "str", "count": "int64"})


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


def tally(counts: pd.DataFrame) -> list[str]:
    """The number of each field and problem in words: "field icu, 3,000,000 time(s): is not a
    yes/no code ...", or for a row's, "12 row(s): the record has no ..."."""
    return [
        f"field {field}, {count:,} time(s): {problem}" if field else f"{count:,} row(s): {problem}"
        for field, problem, count in counts.itertuples(index=False, name=None)
    ]


def _cut(text: str) -> str:
    return text if len(text) <= SHOWN_VALUE else text[:SHOWN_VALUE] + "..."
