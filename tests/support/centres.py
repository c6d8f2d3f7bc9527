"""Centres' packages for the tests of `dahpkg merge`: the letter's package, a second centre's
made by `dahpkg init`, and helpers to change copies of them on purpose.

The second centre's cases are the shipped episodes with patients 1 to 3 removed and the others
renumbered 1 to 7, so that their ids collide with the letter's; one of its episodes is a
clinical exception the centre confirmed (DAH a year before the diagnosis, after a birthday).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from dahpkg.cli import main

from support.helpers import EPISODES_CSV, REPO, Rows, read_rows, row_of, write_rows

LETTER = "im-dah-case-series"
SECOND = "dah-episodes-at-hospital-de-teste-2015-2024"
TITLE = "DAH episodes at Hospital de Teste, 2015-2024"
CENTRE = "Pulmonology, Hospital de Teste, Porto, Portugal"
REASON = "Inaugural DAH; the biopsy confirming the disease came after a birthday"
RULES = ("age-dah-after-diagnosis", "inaugural-age")
Pooled = tuple[Path, Path, Path]  # the letter's package, the second centre's, the registry


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def second_rows() -> tuple[list[str], Rows]:
    header, rows = read_rows(EPISODES_CSV)
    kept = [dict(r) for r in rows if r["patient_id"] not in {"1", "2", "3"}]
    for row in kept:
        row["patient_id"] = str(int(row["patient_id"]) - 3)
    first = row_of(kept, 1, 1)
    first["age_at_dah"] = str(int(first["age_at_diagnosis"]) - 1)
    return header, kept


AUTHORS = ("Silva, Ana", "Morais Costa, Rui M")


def make_centre(
    folder: Path,
    rows: tuple[list[str], Rows],
    *extra: str,
    title: str = TITLE,
    confirm: bool = True,
    authors: tuple[str, ...] = AUTHORS,
    centre: str = CENTRE,
) -> Path:
    """A centre's package made by `dahpkg init` from ``rows``, with the confirmations of
    patient 1's first episode."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    source = folder.parent / f"{folder.name}.csv"
    write_rows(source, *rows)
    reviewed = folder.parent / f"{folder.name}-reviewed.csv"
    lines = "".join(f'1,1,{r},"{REASON}"\n' for r in RULES)
    reviewed.write_text("patient_id,episode,rule,reason\n" + lines, encoding="utf-8")
    people = [a for author in authors for a in ("--author", author)]
    reviewing = ("--confirmations", str(reviewed)) if confirm else ()
    code, _, err = run(
        "init",
        str(folder),
        "--from",
        str(source),
        "--title",
        title,
        *people,
        "--centre",
        centre,
        *reviewing,
        *extra,
    )
    assert code == 0, err
    return folder


def letter_copy(folder: Path) -> Path:
    """The shipped package's files, copied to be changed on purpose."""
    for name in ("datapackage.json", "publication.toml", "data", "schema"):
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, folder / name)
        else:
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, folder / name)
    return folder


def edit_json(path: Path, change: Callable[[Any], object]) -> None:
    """Change a package's JSON file (its descriptor, a Table Schema) in place."""
    value = json.loads(path.read_text(encoding="utf-8"))
    change(value)
    path.write_text(json.dumps(value, indent=2), encoding="utf-8")
