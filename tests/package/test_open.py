"""dahpkg.open(): a package read once and passed from stage to stage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import dahpkg
from dahpkg.errors import InputError
from dahpkg.export import prepare

from support.helpers import CONSENT, REPO

# Runs commands in one process and counts, for each, the files of the package that Python
# opens (every read of a package file goes through Python's open: the parsers get bytes).
COUNT_OPENS = """
import json, sys
from dahpkg.cli import main

root, commands = sys.argv[1], json.loads(sys.argv[2])
opened = []
sys.addaudithook(lambda event, args: opened.append(str(args[0]))
                 if event == "open" and str(args[0]).startswith(root) else None)
counts = {}
for command in commands:
    opened.clear()
    try:
        main(command, standalone_mode=False)
    except SystemExit:
        pass
    counts[" ".join(command)] = {name: opened.count(name) for name in set(opened)}
print(json.dumps(counts))
"""


def test_each_command_opens_each_package_file_once(package: Path, tmp_path: Path) -> None:
    path = str(package)
    out = str(tmp_path / "out")
    commands = [
        ["validate", path],
        ["privacy", path],
        ["summary", path],
        ["reproduce", path],
        ["table1", path],
        ["fair", path],
        ["export", "csv", path, "--output", f"{out}.csv", "--risk-accepted", CONSENT],
        ["export", "supplement", path, "--output", f"{out}.zip", "--risk-accepted", CONSENT],
        ["deposit", "zenodo", path, "--dry-run", "--risk-accepted", CONSENT,
         "--state-file", f"{out}.json"],
    ]  # fmt: skip
    done = subprocess.run([sys.executable, "-c", COUNT_OPENS, path, json.dumps(commands)],
                          capture_output=True, text=True, check=True, cwd=tmp_path)  # fmt: skip
    counts = json.loads(done.stdout.splitlines()[-1])
    episodes = str(package / "data" / "episodes.csv")
    for command, opened in counts.items():
        assert opened.get(episodes) == 1, command  # parsed once, by every command
        assert set(opened.values()) == {1}, (command, opened)  # and every other file once
    bundled = counts[" ".join(commands[7])]
    assert sorted(Path(name).relative_to(package).as_posix() for name in bundled) == [
        "data/episodes.csv", "data/inferences.csv", "data/raw/table1.tsv", "datapackage.json",
        "schema/episodes.schema.json", "schema/inferences.schema.json",
        "schema/table1.schema.json",
    ]  # fmt: skip


def test_every_stage_takes_the_open_package() -> None:
    package = dahpkg.open()
    assert isinstance(package, dahpkg.Package) and dahpkg.open(package) is package
    assert dahpkg.validate(package).to_dict() == dahpkg.validate().to_dict()
    assert dahpkg.load(package).equals(dahpkg.load())
    assert dahpkg.summarise(package) == dahpkg.summarise()
    assert dahpkg.reproduce(package).to_dict() == dahpkg.reproduce().to_dict()
    assert dahpkg.table1(package, "tsv") == dahpkg.table1(None, "tsv")
    assert dahpkg.disclosure_risk(package).to_dict() == dahpkg.disclosure_risk().to_dict()
    assert prepare(package, risk_accepted=CONSENT).package is package


BREAKAGES = {
    "a cell no type can hold and a row too long": {3: (",true,", ",maybe,"), 5: ("\n", ",extra\n")},
    "a 19-digit patient number, which fits 64 bits": {1: ("1,1,", "9223372036854775807,1,")},
    "hexadecimal and blanks around numbers": {
        3: (",52,52,", ",0x34,52,"),
        6: (",20,26,", ", 20 ,26,"),
    },
    "missing values the schema declares": {7: (",true,", ",NA,")},
}


@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_the_typed_table_is_the_same_from_either_parse(package: Path, breakage: str) -> None:
    # The privacy check reads every cell as text and converts the typed table from that text;
    # validation alone has the parser type the columns. Both give the same table.
    path = package / "data" / "episodes.csv"
    lines = path.read_text().splitlines(keepends=True)
    for number, (old, new) in BREAKAGES[breakage].items():
        lines[number] = lines[number].replace(old, new, 1)
    path.write_text("".join(lines))
    if "missing" in breakage:
        schema = json.loads((package / "schema" / "episodes.schema.json").read_text())
        schema["missingValues"] = [
            {"value": "", "label": "not recorded"},
            {"value": "NA", "label": "not applicable"},
        ]
        (package / "schema" / "episodes.schema.json").write_text(json.dumps(schema))
    direct = dahpkg.open(package).table()
    via_text = dahpkg.open(package)
    via_text.cells()
    converted = via_text.table()
    assert converted.frame.equals(direct.frame)
    assert converted.type_errors.equals(direct.type_errors)
    assert converted.missing.equals(direct.missing)
    assert converted.text.keys() == direct.text.keys()
    assert all(converted.text[n].equals(direct.text[n]) for n in direct.text)
    assert (list(converted.rows), converted.blank_rows, converted.ragged) == (
        list(direct.rows), direct.blank_rows, direct.ragged)  # fmt: skip


def test_custom_spellings_in_many_fields_read_every_column_as_text(package: Path) -> None:
    # Fields whose yes/no spellings are not the parser's are read as text from the start and
    # count towards the limit of columns retried: past it, every column is read as text.
    schema_path = package / "schema" / "episodes.schema.json"
    schema = json.loads(schema_path.read_text())
    for item in schema["fields"][10:14]:
        item["trueValues"], item["falseValues"] = ["true", "yes"], ["false", "no"]
    schema_path.write_text(json.dumps(schema))
    path = package / "data" / "episodes.csv"
    path.write_text(path.read_text().replace(",52,52,", ",0052,0052,", 1))
    direct = dahpkg.open(package).table()
    assert "age_at_dah" in direct.text  # read as text: written as it stands in the file
    via_text = dahpkg.open(package)
    via_text.cells()
    assert via_text.table().text.keys() == direct.text.keys()


def test_a_companion_file_is_read_once_and_shipped_as_read(package: Path) -> None:
    opened = dahpkg.open(package)
    path = package / "data" / "inferences.csv"
    first = opened.read_bytes(path)
    path.write_text("changed after it was read\n")
    assert opened.read_bytes(path) == first  # what was checked is what is shipped


@pytest.mark.parametrize("level", ["visit", "Patient"])
def test_an_unknown_level_is_refused(package: Path, level: str) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text())
    schema["fields"][2]["level"] = level
    path.write_text(json.dumps(schema))
    with pytest.raises(InputError, match="unknown level"):
        dahpkg.open(package)


def test_the_shipped_schema_declares_what_describes_the_patient() -> None:
    schema = json.loads((REPO / "schema" / "episodes.schema.json").read_text())
    assert {f["level"] for f in schema["fields"]} == {"patient", "episode"}
    assert dahpkg.open().schema.patient_attributes == (
        "sex", "race", "tobacco_exposure", "diagnosis", "aps", "age_at_diagnosis")  # fmt: skip
