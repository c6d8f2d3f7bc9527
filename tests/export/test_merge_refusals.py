"""`dahpkg merge` refuses what cannot be pooled, saying why, writing nothing: a package that
does not validate, another data dictionary or licence, the same package twice, two packages
naming one centre, a registry already, a loose file, a centre without a name.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dahpkg.errors import DataError, InputError
from dahpkg.export import merge_packages

from support.centres import LETTER, SECOND, Pooled, edit_json, make_centre, run, second_rows
from support.helpers import EPISODES_CSV, REPO, read_rows, write_rows


def test_a_source_that_does_not_validate_stops_the_merge(tmp_path: Path, pooled: Pooled) -> None:
    letter, _, _ = pooled
    broken = make_centre(tmp_path / "unconfirmed", second_rows(), confirm=False)
    target = tmp_path / "registry"
    code, _, err = run("merge", str(letter), str(broken), "--output", str(target))
    assert code == 1
    assert f"{broken / 'datapackage.json'} (2 error(s)" in err and "do not validate" in err
    assert f"dahpkg validate {broken}" in err and "Nothing was written" in err
    assert LETTER not in err  # the valid one is not blamed
    assert not target.exists()
    with pytest.raises(DataError, match="1 of the packages to pool do not validate"):
        merge_packages([letter, broken], target)


def test_a_different_data_dictionary_is_refused_with_what_differs(
    tmp_path: Path, pooled: tuple
) -> None:
    letter, second, _ = pooled
    other = tmp_path / "other"
    shutil.copytree(second, other)

    def reword(schema: dict) -> None:  # the centre's own words: not a difference
        schema["fields"][0]["description"] = "Our own study number."
        schema["fieldGroups"][0]["description"] = "What the patient presented with."

    edit_json(other / "schema" / "episodes.schema.json", reword)
    edit_json(other / "datapackage.json", lambda d: d.update(name="other-centre"))
    rows = read_rows(other / "data" / "episodes.csv")
    write_rows(other / "data" / "episodes.csv", rows[0], rows[1][:-1])  # other data
    assert merge_packages([letter, other], tmp_path / "ok").episodes == 20

    def widen(schema: dict) -> None:
        diagnosis = next(f for f in schema["fields"] if f["name"] == "diagnosis")
        diagnosis["constraints"]["enum"].append("AGBM")
        diagnosis["categories"].append({"value": "AGBM", "label": "anti-GBM disease"})
        age = next(f for f in schema["fields"] if f["name"] == "age_at_dah")
        age["constraints"]["maximum"] = 110
        schema["primaryKey"] = ["patient_id", "episode", "sex"]

    edit_json(other / "schema" / "episodes.schema.json", widen)
    code, _, err = run("merge", str(letter), str(other), "--output", str(tmp_path / "no"))
    assert code == 2 and "does not follow the data dictionary of" in err
    assert "age_at_dah: maximum 110 instead of 120" in err
    assert "diagnosis: enum" in err and "AGBM" in err
    assert "its primaryKey ['patient_id', 'episode', 'sex'] instead of" in err
    assert not (tmp_path / "no").exists()


def test_the_same_package_twice_is_refused(tmp_path: Path, pooled: Pooled) -> None:
    letter, second, _ = pooled
    twin = tmp_path / "twin"
    shutil.copytree(second, twin)
    for given in (second, twin):
        code, _, err = run(
            "merge", str(letter), str(second), str(given), "--output", str(tmp_path / "no")
        )
        assert code == 2 and "hold the same episodes" in err, err
    assert not (tmp_path / "no").exists()


def test_two_packages_naming_one_centre_are_refused(tmp_path: Path, pooled: Pooled) -> None:
    _, second, _ = pooled
    header, rows = second_rows()
    third = make_centre(
        tmp_path / "third",
        (header, rows[:-1]),
        "--name",
        SECOND,
        title="DAH episodes at Hospital Terceiro",
    )
    code, _, err = run("merge", str(second), str(third), "--output", str(tmp_path / "no"))
    assert code == 2 and f"both give the centre '{SECOND}' (their name)" in err
    assert "--centre-from title" in err
    code, _, err = run(
        "merge", str(second), str(third), "--output", str(tmp_path / "ok"), "--centre-from", "title"
    )
    assert code == 0, err


def test_a_registry_is_not_merged_again(tmp_path: Path, pooled: Pooled) -> None:
    _, second, registry = pooled
    code, _, err = run("merge", str(registry), str(second), "--output", str(tmp_path / "no"))
    assert code == 2 and "is already a registry pooled from several centres" in err
    assert "merge the centres' own packages" in err


def test_different_licences_are_refused(tmp_path: Path, pooled: Pooled) -> None:
    letter, second, _ = pooled
    other = tmp_path / "other"
    shutil.copytree(second, other)
    edit_json(
        other / "datapackage.json",
        lambda d: d.update(
            licenses=[
                {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/"}
            ]
        ),
    )
    code, _, err = run("merge", str(letter), str(other), "--output", str(tmp_path / "no"))
    assert code == 2 and "under different licences" in err
    assert f"{LETTER}: CC-BY-4.0; {SECOND}: CC0-1.0" in err


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (lambda t, s: [s], "at least two centres' packages"),
        (lambda t, s: [EPISODES_CSV, s], "is a file of episodes, not a centre's data package"),
        (lambda t, s: [REPO, t / "missing"], "no such file or folder"),
    ],
)
def test_what_cannot_be_pooled_is_refused(
    tmp_path: Path, pooled: Pooled, given: object, message: str
) -> None:
    _, second, _ = pooled
    sources = given(tmp_path, second)  # type: ignore[operator]
    code, _, err = run("merge", *map(str, sources), "--output", str(tmp_path / "no"))
    assert code == 2 and message in err and "Traceback" not in err
    with pytest.raises(InputError, match=message):
        merge_packages(sources, tmp_path / "no")


@pytest.mark.parametrize(
    ("change", "centre_from", "message"),
    [
        ({"title": "Hospital \x1b[2J X"}, "title", "the title of"),
        ({"title": "Hospital \x1b[2J X"}, "name", "holds a control character"),
        ({"title": "H" * 600}, "title", "is 600 characters long; at most 500"),
        ({"name": None}, "name", "has no name to name its centre"),
        ({"title": None}, "title", "(--centre-from name)"),
    ],
)
def test_a_centre_that_cannot_be_named_is_refused(
    tmp_path: Path, pooled: Pooled, change: dict, centre_from: str, message: str
) -> None:
    letter, second, _ = pooled
    other = tmp_path / "other"
    shutil.copytree(second, other)

    def edit(descriptor: dict) -> None:
        descriptor.update(change)
        for key in [k for k, v in change.items() if v is None]:
            del descriptor[key]

    edit_json(other / "datapackage.json", edit)
    code, out, err = run(
        "merge",
        str(letter),
        str(other),
        "--output",
        str(tmp_path / "no"),
        "--centre-from",
        centre_from,
    )
    assert code == 2 and message in err, err
    assert "\x1b" not in err + out and "Traceback" not in err
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("name", ["../x", "a" * 300, "x\x1by\x07", "Centre"])
def test_a_name_that_cannot_name_a_package_is_refused_as_the_option_given(
    tmp_path: Path, pooled: Pooled, name: str
) -> None:
    """--name is checked as what the user typed (it was blamed on a datapackage.json not yet
    written), for merge and for init alike, quoted without its control characters."""
    letter, second, _ = pooled
    target = tmp_path / "registry"
    code, _, err = run("merge", str(letter), str(second), "-o", str(target), "--name", name)
    assert code == 2 and err.startswith("Error: --name '") and "cannot name the package" in err
    assert "\x1b" not in err and "datapackage.json" not in err and not target.exists()
    rows = tmp_path / "rows.csv"
    shutil.copy(EPISODES_CSV, rows)
    code, _, err = run(
        "init",
        str(tmp_path / "c"),
        "--from",
        str(rows),
        "--title",
        "T",
        "--author",
        "A, B",
        "--name",
        name,
    )
    assert code == 2 and err.startswith("Error: --name '") and not (tmp_path / "c").exists()
