"""A badly wrong REDCap export (a hostile one, or the wrong file) can hold millions of cells
that are no code: every one is counted, in all and by field and problem, and the first
`KEEP` in the export's order are kept to be listed, so that memory does not grow with them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.errors import DataError
from dahpkg.redcap import import_redcap, write_episodes
from dahpkg.redcap import problems as problems_module
from dahpkg.redcap.problems import KEEP

from support.redcap_exports import rewrite, row, rows_of, write_dictionary, write_export

INSTANCES = 300_000
NOT_YES_NO = "is not a yes/no code (1 = Yes, 0 = No) nor its label (Yes or No)"


def _one_record_repeated(folder: Path, dictionary: Path) -> Path:
    """Patient 7's record, its first episode exported as instances 1 to ``INSTANCES``, each
    with 'maybe' for IVIg and for ICU: two problems a row."""
    export = write_export(folder, dictionary)
    header, rows = rows_of(export)
    episode = row(header, rows, "7", "1")
    episode[header.index("ivig")] = episode[header.index("icu")] = "maybe"
    at = header.index("redcap_repeat_instance")
    before, after = ",".join(episode[:at]), ",".join(episode[at + 1 :])
    lines = [",".join(header), ",".join(row(header, rows, "7"))]
    lines += [f"{before},{n},{after}" for n in range(1, INSTANCES + 1)]
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return export


def test_millions_of_problems_are_all_counted_and_the_first_kept(tmp_path: Path) -> None:
    dictionary = write_dictionary(tmp_path)
    export = _one_record_repeated(tmp_path, dictionary)
    imported = import_redcap(export, dictionary)
    assert not imported.complete and imported.rows == INSTANCES + 1
    assert imported.problem_count == 2 * INSTANCES
    # Only the first KEEP, by line (the record's row is line 2, instance n line n + 2), and on
    # a line in the export's order of columns (ivig before icu).
    kept = imported.problems
    assert len(kept) == KEEP < imported.problem_count
    assert kept["line"].tolist() == [n + 2 for n in range(1, KEEP // 2 + 1) for _ in "ab"]
    assert kept["field"].tolist() == ["ivig", "icu"] * (KEEP // 2)
    assert set(kept["value"]) == {"maybe"}
    expected = pd.DataFrame(
        {"field": ["ivig", "icu"], "problem": [NOT_YES_NO] * 2, "count": [INSTANCES] * 2}
    )
    pd.testing.assert_frame_equal(imported.problem_counts, expected)
    assert imported.tally() == [
        f"field {f}, 300,000 time(s): {NOT_YES_NO}" for f in ("ivig", "icu")
    ]
    assert len(imported.messages()) == KEEP
    out = tmp_path / "episodes.csv"
    with pytest.raises(DataError, match=r"^600,000 problem\(s\) in .*nothing was written"):
        write_episodes(imported, out)

    # The command lists what was asked, up to the KEEP kept, and says how many it did not.
    args = [str(export), "--dictionary", str(dictionary), "-o", str(out), "--max-problems"]
    result = CliRunner().invoke(main, ["import", "redcap", *args, str(KEEP + 1)])
    assert result.exit_code == 1 and not out.exists()
    assert len(result.stdout.splitlines()) == KEEP
    assert result.stdout.splitlines()[-1] == (
        f"record 7, dah_episode instance {KEEP // 2}, field icu (line {KEEP // 2 + 2}): "
        f"'maybe' {NOT_YES_NO}"
    )
    assert f"field ivig, 300,000 time(s): {NOT_YES_NO}\n" in result.stderr
    assert (
        f"600,000 problem(s) in {export} (590,000 more not listed; only the first 10,000 are "
        "kept): nothing was written" in result.stderr
    )


def _broken_many_ways(folder: Path, dictionary: Path) -> Path:
    """The shipped episodes with problems of many kinds, on many lines and columns."""
    export = write_export(folder, dictionary)
    header, rows = rows_of(export)
    header.append("hospital_number")
    for cells in rows:
        cells.append("12345")
        if cells[1] == "dah_episode":
            cells[header.index("icu")] = "maybe"
            cells[header.index("race")] = "1"
        else:
            cells[header.index("sex")] = "5"
    row(header, rows, "9", "2")[header.index("redcap_repeat_instance")] = "two"
    rows.remove(row(header, rows, "3", "1"))
    rows.append(list(row(header, rows, "1", "1")))
    for record, short in (("5", 3), ("6", 2), ("8", 3)):  # damaged rows, two kinds of damage
        cut = row(header, rows, record, "1")
        del cut[-short:]
    return rewrite(export, header, rows)


@pytest.mark.parametrize("keep", [1, 2, 5, 13])
def test_the_problems_kept_are_the_first_of_all_in_the_export_s_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, keep: int
) -> None:
    """Problems are found column by column, check by check, and each check keeps only its
    first ones: the table kept is still the first of all, as if every one had been kept."""
    dictionary = write_dictionary(tmp_path)
    export = _broken_many_ways(tmp_path, dictionary)
    every = import_redcap(export, dictionary)
    assert every.problem_count == len(every.problems) > 13
    assert every.problem_counts["count"].sum() == every.problem_count
    damaged = every.problem_counts[every.problem_counts["problem"].str.contains("damaged")]
    assert damaged["count"].tolist() == [2, 1]  # the one cut by 3 cells is first met
    monkeypatch.setattr(problems_module, "KEEP", keep)
    bounded = import_redcap(export, dictionary)
    assert bounded.problem_count == every.problem_count
    pd.testing.assert_frame_equal(bounded.problems, every.problems.head(keep))
    pd.testing.assert_frame_equal(bounded.problem_counts, every.problem_counts)
    assert bounded.messages() == every.messages(keep)
