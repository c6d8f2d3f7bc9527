"""Commands that only make sense for the letter's package say so on any other, once, in one line
(exit 2), instead of reporting mismatches with a letter the data have nothing to do with."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.errors import InputError
from dahpkg.letter.scope import is_letter_package

from support.helpers import EPISODES_CSV, REPO, read_rows, write_rows

TITLE = "DAH at Hospital de Teste"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def centre(tmp_path: Path) -> Path:
    """Another centre's package, made by `dahpkg init` from the shipped episodes less two
    patients, the others renumbered."""
    header, rows = read_rows(EPISODES_CSV)
    kept = [dict(r, patient_id=str(int(r["patient_id"]) + 200)) for r in rows
            if r["patient_id"] not in {"4", "7"}]  # fmt: skip
    write_rows(tmp_path / "cases.csv", header, kept)
    target = tmp_path / "centre"
    code, _, err = run("init", str(target), "--from", str(tmp_path / "cases.csv"),
                       "--title", TITLE, "--author", "Silva, Ana")  # fmt: skip
    assert code == 0, err
    return target


def test_the_letters_package_is_the_one_with_table_one(centre: Path, package: Path) -> None:
    assert is_letter_package(dahpkg.open()) and is_letter_package(dahpkg.open(package))
    assert not is_letter_package(dahpkg.open(centre))
    assert not is_letter_package(dahpkg.open(EPISODES_CSV))  # a loose file has no Table I


@pytest.mark.parametrize("target", ["centre", "loose"])
def test_reproduce_refuses_another_package(centre: Path, target: str) -> None:
    path = str(centre if target == "centre" else EPISODES_CSV)
    code, out, err = run("reproduce", path)
    assert code == 2 and out == "" and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert "`dahpkg reproduce` is for the letter's own package only" in err
    assert "without Table I as printed" in err and "`dahpkg summary" in err
    assert "mismatch" not in err
    with pytest.raises(InputError, match="letter's own package only"):
        dahpkg.reproduce(path)


def test_build_refuses_another_package(centre: Path) -> None:
    before = (centre / "data" / "episodes.csv").read_bytes()
    code, out, err = run("build", str(centre))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert "`dahpkg build` is for the letter's own package only" in err
    assert f"`dahpkg validate {centre}`" in err
    assert (centre / "data" / "episodes.csv").read_bytes() == before


def test_a_copy_of_the_letters_package_stays_the_letters(package: Path) -> None:
    code, out, _ = run("reproduce", str(package))
    assert code == 0 and "56 claims of the letter" in out
    assert run("build", str(package), "--check")[0] == 0


def test_table1_of_another_package_names_it_not_the_letter(centre: Path) -> None:
    code, md, err = run("table1", str(centre), "--format", "md")
    assert code == 0 and err == ""  # nothing to compare with: no Table I as printed
    caption = md.splitlines()[0]
    assert caption.startswith("**Patients with immune-mediated DAH") and TITLE in caption
    assert "Table I." not in caption and "regenerated from data/episodes.csv" not in caption
    ids = [line.split("|")[1].strip() for line in md.splitlines()[4:] if line.startswith("|")]
    assert "204" not in ids and "201" in ids  # its own patients
    code, html, _ = run("table1", str(centre), "--format", "html")
    assert f"in the layout of Table I of the letter (from {TITLE})</caption>" in html


def test_table1_of_the_letter_keeps_its_caption() -> None:
    code, md, _ = run("table1", "--format", "md")
    assert code == 0 and md.startswith("**Table I. Patients with immune-mediated DAH")


def test_summary_of_another_package_does_not_speak_of_the_letter(centre: Path) -> None:
    code, text, err = run("summary", str(centre))
    assert code == 0 and err == ""
    _, rows = read_rows(centre / "data" / "episodes.csv")
    patients = len({r["patient_id"] for r in rows})
    assert patients == 8 and f"Overall (patients 8, episodes {len(rows)})" in text
    assert "Table I" not in text and "inferences" not in text and "letter" not in text
    code, shipped, _ = run("summary")
    assert "as listed in Table I" in shipped and "data/inferences.csv" in shipped


def test_a_package_renamed_from_the_shipped_one_but_without_table_one(tmp_path: Path) -> None:
    # The improvised package: the shipped one copied, Table I dropped from it.
    target = tmp_path / "copy"
    shutil.copytree(REPO / "data", target / "data")
    shutil.copytree(REPO / "schema", target / "schema")
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "episodes"]
    (target / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    code, _, err = run("reproduce", str(target))
    assert code == 2 and "letter's own package only" in err
