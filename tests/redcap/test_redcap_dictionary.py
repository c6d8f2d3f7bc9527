"""The REDCap data dictionary made from the Table Schema: REDCap's own header and quoting, the
patient and dah_episode instruments, and the codes of the SPSS/Stata files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyreadstat
import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.errors import InputError
from dahpkg.export.template import TEMPLATES, write_template
from dahpkg.package import open_package, shipped_schema
from dahpkg.redcap import dictionary_csv, project
from dahpkg.redcap.dictionary import quoted

from support.helpers import ACCEPT, REPO

# The header row of every dictionary REDCap downloads (OuhscBbmc/REDCapR@c2abbc19,
# inst/test-data/projects/simple/dictionary.csv, as /work/shared/reference/redcap.md quotes it).
REDCAP_HEADER = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note",'
    '"Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max",'
    'Identifier?,"Branching Logic (Show field only if...)","Required Field?","Custom Alignment",'
    '"Question Number (surveys only)","Matrix Group Name","Matrix Ranking?","Field Annotation"'
)
# Rows of that file and of .../repeating-instruments/dictionary.csv, as REDCap wrote them.
REDCAP_ROWS = [
    'record_id,demographics,,text,"Study ID",,,,,,,,,,,,,',
    'sex,demographics,,radio,Gender,"0, Female | 1, Male",,,,,,,,,,,,',
    'height,health,,text,"Height (cm)",,,number,130,215,,,,,,,,',
    "email,demographics,,text,E-mail,,,email,,,y,,,,,,,",
    'dob,demographics,,text,"Date of Birth",,YYYY-MM-DD,date_ymd,,,y,,,,,,,',
]
SCHEMA = json.loads((REPO / "schema" / "episodes.schema.json").read_text(encoding="utf-8"))
FIELDS = {f["name"]: f for f in SCHEMA["fields"]}
GROUPED = {f["name"]: f["group"] for f in SCHEMA["fields"] if "group" in f}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The dictionary as `dahpkg template --format redcap` writes it."""
    out = tmp_path_factory.mktemp("redcap") / "dictionary.csv"
    result = CliRunner().invoke(main, ["template", "--format", "redcap", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Repeating instruments" in result.stdout and "dahpkg import redcap" in result.stdout
    return out.read_bytes()


@pytest.fixture(scope="module")
def rows(written: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(written.decode("utf-8"))))


def test_the_header_is_redcap_s_own_byte_for_byte(written: bytes) -> None:
    assert written.decode("utf-8").split("\n")[0] == REDCAP_HEADER
    assert not written.startswith(b"\xef\xbb\xbf") and b"\r" not in written
    assert written.endswith(b"\n")


@pytest.mark.parametrize("line", REDCAP_ROWS)
def test_cells_are_quoted_as_redcap_quotes_them(line: str) -> None:
    cells = next(csv.reader([line]))
    assert len(cells) == 18
    assert ",".join(quoted(c) for c in cells) == line


def test_every_row_has_redcap_s_18_columns_and_our_quoting(written: bytes) -> None:
    lines = written.decode("utf-8").splitlines()
    for line in lines:
        cells = next(csv.reader([line]))
        assert len(cells) == 18
        assert ",".join(quoted(c) for c in cells) == line


def test_row_2_is_the_record_id_and_the_instruments_are_contiguous(
    rows: list[dict[str, str]],
) -> None:
    first = rows[0]
    assert (first["Variable / Field Name"], first["Form Name"], first["Field Type"]) == (
        "patient_id",
        "patient",
        "text",
    )
    assert first["Text Validation Type OR Show Slider Number"] == "integer"
    assert first["Text Validation Min"] == "1" and first["Required Field?"] == "y"
    forms = [r["Form Name"] for r in rows]
    assert list(dict.fromkeys(forms)) == ["patient", "dah_episode"]
    assert forms == sorted(forms, key=["patient", "dah_episode"].index)  # no form comes back


def test_each_field_is_on_its_level_s_instrument(rows: list[dict[str, str]]) -> None:
    placed = {r["Variable / Field Name"]: r["Form Name"] for r in rows}
    for name, item in FIELDS.items():
        if name == "episode":
            assert name not in placed  # the instance number of dah_episode
        elif name in GROUPED:
            assert placed[GROUPED[name]] == "dah_episode" and name not in placed
        else:
            assert placed[name] == {"patient": "patient", "episode": "dah_episode"}[item["level"]]
    episode = next(r for r in rows if r["Form Name"] == "dah_episode")
    assert "instance number is the episode" in episode["Section Header"]


def test_types_validation_limits_and_required_follow_the_schema(
    rows: list[dict[str, str]],
) -> None:
    by_name = {r["Variable / Field Name"]: r for r in rows}
    for name, item in FIELDS.items():
        if name not in by_name:
            continue
        row = by_name[name]
        required = item.get("constraints", {}).get("required", False)
        assert row["Required Field?"] == ("y" if required else ""), name
        assert row["Field Label"] == item["title"]
        assert row["Field Note"].startswith(item["description"])
        choices = row["Choices, Calculations, OR Slider Labels"]
        if item["type"] == "boolean":
            assert row["Field Type"] == "yesno" and choices == ""
        elif "categories" in item:
            assert row["Field Type"] == "radio"
        else:
            assert row["Field Type"] == "text"
            assert row["Text Validation Type OR Show Slider Number"] == "integer"
    ages = [by_name[n] for n in ("age_at_diagnosis", "age_at_dah")]
    assert {(r["Text Validation Min"], r["Text Validation Max"]) for r in ages} == {("0", "120")}
    # A nullable yes/no field stays yesno, not required: an empty cell means not recorded.
    assert by_name["haemoglobin_drop"]["Field Type"] == "yesno"
    assert by_name["haemoglobin_drop"]["Required Field?"] == ""
    # The record is a patient, which the schema calls a pseudonym: no identifier flag anywhere.
    assert {r["Identifier?"] for r in rows} == {""}


def test_the_groups_are_checkboxes_whose_options_are_their_members(
    rows: list[dict[str, str]],
) -> None:
    by_name = {r["Variable / Field Name"]: r for r in rows}
    for group in SCHEMA["fieldGroups"]:
        row = by_name[group["name"]]
        assert (row["Field Type"], row["Field Label"]) == ("checkbox", group["title"])
        assert row["Field Note"] == group["description"] and row["Required Field?"] == ""
        options = [
            tuple(p.strip() for p in part.split(",", 1))
            for part in row["Choices, Calculations, OR Slider Labels"].split("|")
        ]
        members = [n for n, g in GROUPED.items() if g == group["name"]]
        assert options == [(n, FIELDS[n]["title"]) for n in members]
    assert by_name["symptoms"]["Choices, Calculations, OR Slider Labels"].startswith(
        "fever, Fever | dyspnoea, Dyspnoea"
    )


def test_the_codes_are_the_spss_file_s_value_labels(
    rows: list[dict[str, str]], tmp_path: Path
) -> None:
    sav = tmp_path / "episodes.sav"
    result = CliRunner().invoke(main, ["export", "sav", *ACCEPT, "--output", str(sav)])
    assert result.exit_code == 0, result.output
    _, meta = pyreadstat.read_sav(str(sav), metadataonly=True)
    by_name = {r["Variable / Field Name"]: r for r in rows}
    coded = [n for n, r in by_name.items() if r["Field Type"] in ("radio", "yesno")]
    assert {"sex", "race", "diagnosis", "aps", "icu"} <= set(coded)
    for name in coded:
        text = by_name[name]["Choices, Calculations, OR Slider Labels"] or "1, Yes | 0, No"
        choices = {int(c): label.strip() for c, label in (p.split(",", 1) for p in text.split("|"))}
        spss = {int(code): label for code, label in meta.variable_value_labels[name].items()}
        assert choices == spss, name


def test_the_registry_offers_it_and_a_csv_file_stays_the_csv_template(tmp_path: Path) -> None:
    assert TEMPLATES["redcap"].suffix == ".csv"
    written = write_template(None, tmp_path / "header.csv")
    assert written[1].name == "header.codebook.csv"  # .csv alone: the CSV template
    with pytest.raises(InputError, match=r"name it d\.csv"):
        write_template(None, tmp_path / "d.xlsx", "redcap")
    out = tmp_path / "d.csv"
    assert write_template(None, out, "redcap") == [out]
    assert out.read_bytes() == dictionary_csv(shipped_schema())
    with pytest.raises(InputError, match="add --force"):
        write_template(None, out, "redcap")


def test_a_field_a_redcap_project_cannot_hold_is_refused(package: Path) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    schema["primaryKey"] = ["patient_id"]
    path.write_text(json.dumps(schema), encoding="utf-8")
    out = package / "d.csv"
    result = CliRunner().invoke(
        main, ["template", str(package), "--format", "redcap", "-o", str(out)]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "needs the Table Schema's primary key to be a patient field" in result.stderr
    schema["primaryKey"] = ["patient_id", "episode"]
    next(f for f in schema["fields"] if f["name"] == "sex")["name"] = "Sex"
    path.write_text(json.dumps(schema), encoding="utf-8")
    with pytest.raises(InputError, match="REDCap cannot name a field 'Sex'"):
        project(open_package(package).schema)


def test_a_direct_identifier_is_flagged_and_nothing_else(package: Path) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "race")["privacy"] = "direct-identifier"
    path.write_text(json.dumps(schema), encoding="utf-8")
    text = dictionary_csv(open_package(package).schema).decode("utf-8")
    rows = csv.DictReader(io.StringIO(text))
    flagged = [r["Variable / Field Name"] for r in rows if r["Identifier?"] == "y"]
    assert flagged == ["race"]
