"""The Python API: dahpkg.load() and dahpkg.validate()."""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

import dahpkg
from dahpkg.errors import DataError, InputError
from dahpkg.progress import Progress

from support.helpers import row_of


def test_load_is_typed_from_the_schema() -> None:
    episodes = dahpkg.load()
    assert episodes.shape == (12, 31)
    assert episodes["patient_id"].nunique() == 10
    assert str(episodes["patient_id"].dtype) == "Int64"
    assert str(episodes["age_at_dah"].dtype) == "Int64"
    assert str(episodes["icu"].dtype) == "boolean"
    assert list(episodes["sex"].cat.categories) == ["F", "M"]
    assert list(episodes["diagnosis"].cat.categories) == ["GPA", "MPA", "EGPA", "SLE"]
    hb = episodes.set_index(["patient_id", "episode"])["haemoglobin_drop"]
    assert hb.isna().sum() == 1 and pd.isna(hb.loc[(4, 1)])
    # Independent counts from the letter's text: seven ICU admissions, nine with CYC.
    assert int(episodes["icu"].sum()) == 7
    assert int(episodes["cyclophosphamide"].sum()) == 9
    assert int(episodes["survival_1y"].sum()) == 11


def test_load_refuses_what_it_would_lose(broken) -> None:
    path = broken(lambda h, rows: row_of(rows, 1, 1).update(icu="maybe"))
    with pytest.raises(DataError, match="cannot be read as their declared type"):
        dahpkg.load(path)
    path = broken(lambda h, rows: row_of(rows, 1, 1).update(icu="true", sex="female"))
    with pytest.raises(DataError, match="outside its categories"):
        dahpkg.load(path)


def test_load_leaves_unknown_columns_out(broken) -> None:
    def edit(header, rows):
        for row in rows:
            row["hospital_number"] = "12345"
        return [*header, "hospital_number"], rows

    assert "hospital_number" not in dahpkg.load(broken(edit)).columns


def test_validate_returns_a_report(broken) -> None:
    report = dahpkg.validate(broken(lambda h, rows: row_of(rows, 2, 1).update(ivig="true")))
    assert not report.valid
    assert report.to_dict()["errors"] == 1


def test_validate_raises_for_unreadable_input(tmp_path) -> None:
    with pytest.raises(InputError, match="no such file"):
        dahpkg.validate(tmp_path / "nothing.csv")


def test_import_and_help_stay_light() -> None:
    code = (
        "import sys, dahpkg, dahpkg.cli; "
        "print(sorted(m for m in ('pandas', 'pandera', 'frictionless') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_steps_on_a_terminal_only_after_a_moment() -> None:
    terminal = FakeTerminal()
    progress = Progress(terminal, delay=0.0)
    dahpkg.validate(progress=progress.step)
    progress.done()
    text = terminal.getvalue()
    assert (
        "reading episodes.csv" in text and "clinical rule 11 of 11: oral-gc-every-episode" in text
    )
    assert text.endswith("\r\x1b[K")  # the line is cleared at the end

    patient = FakeTerminal()
    Progress(patient, delay=60).step("reading")  # quick work: nothing shown
    quiet = FakeTerminal()
    Progress(quiet, delay=0.0, enabled=False).step("reading")  # --quiet
    piped = io.StringIO()
    Progress(piped, delay=0.0).step("reading")  # not a terminal
    assert patient.getvalue() == quiet.getvalue() == piped.getvalue() == ""


def test_a_long_step_is_shown_while_it_runs() -> None:
    import time

    terminal = FakeTerminal()
    progress = Progress(terminal, delay=0.05)
    progress.step("reading a large file")
    time.sleep(0.3)  # the step is still running when the delay passes
    assert "reading a large file" in terminal.getvalue()
    progress.done()


def test_every_module_with_all_lists_its_own_api() -> None:
    # The defect: export/api.py kept an __all__ that named none of the functions it defined.
    import importlib
    import inspect
    import pkgutil

    for info in pkgutil.walk_packages(dahpkg.__path__, "dahpkg."):
        if info.name == "dahpkg.__main__":
            continue
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", None)
        if names is None:
            continue
        assert [n for n in names if not hasattr(module, n)] == [], info.name
        defined = {n for n, v in vars(module).items() if not n.startswith("_")
                   and (inspect.isfunction(v) or inspect.isclass(v))
                   and v.__module__ == module.__name__}  # fmt: skip
        assert defined <= set(names), (info.name, defined - set(names))
