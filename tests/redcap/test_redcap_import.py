"""`dahpkg import redcap`: a REDCap export of the shipped episodes comes back as the same table,
and a broken one is refused with each problem at its record, instrument, instance and field."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.errors import DataError, InputError
from dahpkg.package import shipped_schema
from dahpkg.redcap import import_redcap, write_episodes

from support.helpers import EPISODES_CSV
from support.redcap_exports import (
    rewrite,
    row,
    rows_of,
    shipped_text,
    to_export,
    write_dictionary,
    write_export,
)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["import", "redcap", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def dictionary(tmp_path: Path) -> Path:
    return write_dictionary(tmp_path)


@pytest.mark.parametrize(
    "options",
    [{}, {"labels": True}, {"labels": True, "instrument": "Dah Episode"}],
    ids=["raw", "labels", "labels-instrument-label"],
)
def test_the_shipped_episodes_come_back_as_they_are(
    tmp_path: Path, dictionary: Path, options: dict[str, object]
) -> None:
    export = write_export(tmp_path, dictionary, **options)
    header, rows = rows_of(export)
    # Patients 7 and 9 relapsed: their second episodes are instances 2 of dah_episode.
    assert row(header, rows, "7", "2")[1] in ("dah_episode", "Dah Episode")
    assert "symptoms___fever" in header and "manifestations___mas" in header
    imported = dahpkg.import_redcap(export, dictionary)  # the top-level name of the API
    assert imported.complete and imported.records == 10 and imported.rows == 22
    pd.testing.assert_frame_equal(imported.episodes, shipped_text())
    out = tmp_path / "episodes.csv"
    report = write_episodes(imported, out)
    assert report.valid and out.read_bytes() == EPISODES_CSV.read_bytes()
    typed = dahpkg.load(out)
    pd.testing.assert_frame_equal(typed, dahpkg.load())


def test_a_project_without_repeats_gives_one_episode_per_record(
    tmp_path: Path, dictionary: Path
) -> None:
    first = shipped_text()
    first = first[first["episode"] == "1"].reset_index(drop=True)
    export = write_export(tmp_path, dictionary, episodes=first, repeats=False)
    header, _ = rows_of(export)
    assert "redcap_repeat_instrument" not in header and "redcap_repeat_instance" not in header
    imported = import_redcap(export, dictionary)
    assert imported.complete and len(imported.episodes) == 10
    pd.testing.assert_frame_equal(imported.episodes, first)


def test_an_unticked_box_is_no_and_option_label_exports_are_read(
    tmp_path: Path, dictionary: Path
) -> None:
    """Patient 3 was asymptomatic: every symptom box unticked, read as five noes. With
    REDCap's "export checkbox labels" a ticked box is its option's label, an unticked one
    empty."""
    export = write_export(tmp_path, dictionary, labels=True)
    header, rows = rows_of(export)
    boxes = [i for i, name in enumerate(header) if "___" in name]
    for cells in rows:
        for i in boxes:
            option = shipped_schema().field(header[i].split("___")[1]).label
            cells[i] = {"Checked": option, "Unchecked": ""}.get(cells[i], cells[i])
    assert set(row(header, rows, "3", "1")[boxes[0] : boxes[0] + 5]) == {""}
    imported = import_redcap(rewrite(export, header, rows), dictionary)
    assert imported.complete, imported.messages(5)
    three = imported.episodes.set_index("patient_id").loc["3"]
    assert set(three[["fever", "dyspnoea", "haemoptysis", "cough", "chest_pain"]]) == {"false"}
    pd.testing.assert_frame_equal(imported.episodes, shipped_text())


def _edit(export: Path, change: str) -> Path:
    header, rows = rows_of(export)
    if change == "code":
        row(header, rows, "2")[header.index("sex")] = "5"
        row(header, rows, "7", "2")[header.index("dah_inaugural")] = "3"
    elif change == "column":
        header.append("hospital_number")
        for cells in rows:
            cells.append("12345")
    elif change == "orphan":
        rows.remove(row(header, rows, "7"))
    elif change == "no-episode":
        rows.remove(row(header, rows, "3", "1"))
    elif change == "instrument":
        row(header, rows, "9", "2")[header.index("redcap_repeat_instrument")] = "medications"
    elif change == "instance":
        row(header, rows, "9", "2")[header.index("redcap_repeat_instance")] = "two"
    elif change == "twice":
        rows.append(list(row(header, rows, "1", "1")))
    elif change == "patient-field":
        row(header, rows, "9", "2")[header.index("race")] = "1"
    elif change == "episode-on-first-row":
        row(header, rows, "9")[header.index("icu")] = "1"
    elif change == "no-record":
        row(header, rows, "4", "1")[0] = ""
    return rewrite(export, header, rows)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            "code",
            [
                "record 2, patient, field sex (line 4): '5' is not one of the codes of Sex "
                "(1 = female, 2 = male) nor their labels",
                "record 7, dah_episode instance 2, field dah_inaugural (line 16): '3' is not a "
                "yes/no code (1 = Yes, 0 = No) nor its label (Yes or No)",
            ],
        ),
        (
            "column",
            [
                "field hospital_number (line 1): is neither a field of the dictionary nor a "
                "column REDCap adds: its cells have no place in the episode table; export the "
                "project the dictionary describes"
            ],
        ),
        (
            "orphan",
            [
                "record 7, dah_episode instance 1 (line 14): the record has no row for the "
                "patient instrument, so the patient's fields are missing: export whole records",
                "record 7, dah_episode instance 2 (line 15): the record has no row for the "
                "patient instrument, so the patient's fields are missing: export whole records",
            ],
        ),
        (
            "no-episode",
            [
                "record 3, patient (line 6): the record has no DAH episode (no dah_episode "
                "instance, no episode field filled): enter it in REDCap, or delete the record"
            ],
        ),
        (
            "instrument",
            [
                "record 9, medications instance 2, field redcap_repeat_instrument (line 21): "
                "'medications' is not an instrument of the dictionary (patient, dah_episode)"
            ],
        ),
        (
            "instance",
            [
                "record 9, dah_episode instance two, field redcap_repeat_instance (line 21): "
                "'two' is not an instance number (1, 2, ...)"
            ],
        ),
        (
            "twice",
            [
                "record 1, dah_episode instance 1, field redcap_repeat_instance (line 24): '1' "
                "is an instance the record already has (a row given twice): keep one"
            ],
        ),
        (
            "patient-field",
            [
                "record 9, dah_episode instance 2, field race (line 21): '1' is given on a "
                "dah_episode instance, but Race describes the patient: the patient's fields "
                "belong on the record's first row (the patient instrument)"
            ],
        ),
        (
            "episode-on-first-row",
            [
                "record 9, patient (line 19): the record's first row holds DAH episode fields "
                "although the record also has dah_episode instances: clear them from that row "
                "in REDCap"
            ],
        ),
        (
            "no-record",
            [
                "record 4, patient (line 8): the record has no DAH episode (no dah_episode "
                "instance, no episode field filled): enter it in REDCap, or delete the record",
                "dah_episode instance 1, field patient_id (line 9): the record ID is empty",
            ],
        ),
    ],
)
def test_a_broken_export_names_each_problem_and_writes_nothing(
    tmp_path: Path, dictionary: Path, change: str, expected: list[str]
) -> None:
    export = _edit(write_export(tmp_path, dictionary), change)
    imported = import_redcap(export, dictionary)
    assert imported.messages() == expected
    out = tmp_path / "episodes.csv"
    with pytest.raises(DataError, match="nothing was written"):
        write_episodes(imported, out)
    code, stdout, stderr = run(export, "--dictionary", dictionary, "--output", out)
    assert code == 1 and stdout.splitlines() == expected
    assert f"{len(expected)} problem(s) in {export}" in stderr and "Traceback" not in stderr
    assert not out.exists()


def test_a_row_cut_short_is_a_problem_not_a_shifted_row(tmp_path: Path, dictionary: Path) -> None:
    export = write_export(tmp_path, dictionary)
    lines = export.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].rsplit(",", 3)[0]  # record 2's episode loses its last three cells
    export.write_text("\n".join(lines), encoding="utf-8")
    assert import_redcap(export, dictionary).messages() == [
        "record 2, patient (line 4): the record has no DAH episode (no dah_episode instance, no "
        "episode field filled): enter it in REDCap, or delete the record",
        "record 2, dah_episode instance 1 (line 5): the row has 31 cells where the header has "
        "34: the export is damaged; export it again",
    ]


def test_the_problems_listed_are_bounded_and_all_counted(tmp_path: Path, dictionary: Path) -> None:
    export = write_export(tmp_path, dictionary)
    header, rows = rows_of(export)
    for cells in rows:
        if cells[1] == "dah_episode":
            cells[header.index("icu")] = "maybe"
    rewrite(export, header, rows)
    code, stdout, stderr = run(
        export, "--dictionary", dictionary, "-o", tmp_path / "e.csv", "--max-problems", "2"
    )
    assert code == 1 and len(stdout.splitlines()) == 2
    assert "12 problem(s)" in stderr and "(10 more not listed)" in stderr


def test_a_table_that_breaks_a_rule_is_written_and_reported(
    tmp_path: Path, dictionary: Path
) -> None:
    """Every cell found its place, but patient 2's ICU is unanswered and patient 5 had IVIg
    (an AAV patient): the file is written, for the centre to correct it in REDCap."""
    export = write_export(tmp_path, dictionary)
    header, rows = rows_of(export)
    row(header, rows, "2", "1")[header.index("icu")] = ""
    row(header, rows, "5", "1")[header.index("ivig")] = "1"
    rewrite(export, header, rows)
    out = tmp_path / "episodes.csv"
    code, stdout, stderr = run(export, "--dictionary", dictionary, "--output", out)
    assert code == 1 and out.is_file()
    assert "schema-required" in stdout and "ivig-sle-aps" in stdout
    assert "12 episode(s) of 10 record(s) written" in stderr and "break the rules" in stderr
    report = dahpkg.validate(out)
    assert {f.rule for f in report.findings if f.severity == "error"} == {
        "schema-required",
        "ivig-sle-aps",
    }


def test_the_output_is_never_replaced_without_force(tmp_path: Path, dictionary: Path) -> None:
    export = write_export(tmp_path, dictionary)
    out = tmp_path / "episodes.csv"
    out.write_text("kept", encoding="utf-8")
    code, _, stderr = run(export, "--dictionary", dictionary, "--output", out)
    assert code == 2 and f"{out} exists; add --force to replace it" in stderr
    assert out.read_text(encoding="utf-8") == "kept"
    code, _, stderr = run(export, "--dictionary", dictionary, "--output", out, "--force")
    assert code == 0 and out.read_bytes() == EPISODES_CSV.read_bytes()
    assert "12 episode(s) of 10 record(s) written" in stderr
    assert "Left out, as REDCap's own: patient_complete, dah_episode_complete" in stderr
    code, _, stderr = run(export, "--dictionary", dictionary, "--output", tmp_path / "e.xlsx")
    assert code == 2 and "name the output e.csv" in stderr


def test_a_centre_s_own_labels_are_learnt_from_its_dictionary(
    tmp_path: Path, dictionary: Path
) -> None:
    """A centre translated the choice labels in REDCap; the codes are the schema's, so its
    label export reads the same."""
    text = dictionary.read_text(encoding="utf-8")
    translated = text.replace("1, female | 2, male", "1, feminino|2, masculino")
    dictionary.write_text(translated, encoding="utf-8")
    export = write_export(tmp_path, dictionary, labels=True)
    header, rows = rows_of(export)
    for cells in rows:
        at = header.index("sex")
        cells[at] = {"female": "feminino", "male": "masculino"}.get(cells[at], cells[at])
    imported = import_redcap(rewrite(export, header, rows), dictionary)
    assert imported.complete
    pd.testing.assert_frame_equal(imported.episodes, shipped_text())


def test_the_package_s_schema_is_the_one_followed(package: Path, tmp_path: Path) -> None:
    """A centre's package whose sex has a third category: its dictionary and its import."""
    import json

    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    sex = next(f for f in schema["fields"] if f["name"] == "sex")
    sex["categories"].append({"value": "X", "label": "unspecified"})
    sex["constraints"]["enum"].append("X")
    path.write_text(json.dumps(schema), encoding="utf-8")
    dictionary = tmp_path / "dictionary.csv"
    result = CliRunner().invoke(
        main, ["template", str(package), "--format", "redcap", "-o", str(dictionary)]
    )
    assert result.exit_code == 0 and '"1, female | 2, male | 3, unspecified"' in (
        dictionary.read_text(encoding="utf-8")
    )
    export = write_export(tmp_path, dictionary)
    header, rows = rows_of(export)
    row(header, rows, "4")[header.index("sex")] = "3"
    rewrite(export, header, rows)
    out = tmp_path / "episodes.csv"
    code, _, stderr = run(export, "--dictionary", dictionary, "-o", out, "--package", package)
    assert code == 0, stderr
    assert shipped_text().loc[3, "sex"] == "F" and pd.read_csv(out).loc[3, "sex"] == "X"
    # The shipped package's schema has no code 3: the same files are refused against it.
    code, _, stderr = run(export, "--dictionary", dictionary, "-o", out, "--force")
    assert code == 2 and "field sex has the choice codes 1, 2, 3" in stderr


def test_cells_are_quoted_as_the_csv_module_quotes_them() -> None:
    import csv
    import io

    from dahpkg.redcap import RedcapImport

    table = {"a": ["1", "x,y", 'say "hi"', ""], "b,c": ["", "z", "two\nlines", "w"]}
    imported = RedcapImport(
        "test",
        pd.DataFrame(table).astype("str"),
        problems=pd.DataFrame(),
        problem_count=0,
        problem_counts=pd.DataFrame(),
        records=0,
        rows=0,
        notes=(),
        schema=shipped_schema(),
        patient_form="patient",
    )
    expected = io.StringIO()
    csv.writer(expected, lineterminator="\n").writerows(
        [list(table), *zip(*table.values(), strict=True)]
    )
    assert imported.csv() == expected.getvalue().encode("utf-8")


def test_the_export_and_the_dictionary_are_never_written_over(
    tmp_path: Path, dictionary: Path
) -> None:
    """--output naming a file being imported would replace the centre's export (or its
    dictionary) with the episode table: refused even with --force, before anything is read."""
    export = write_export(tmp_path, dictionary)
    before = export.read_bytes(), dictionary.read_bytes()
    for target in (export, dictionary, tmp_path / "." / export.name):
        code, _, stderr = run(export, "--dictionary", dictionary, "--output", target, "--force")
        assert code == 2 and "is a file being imported" in stderr, stderr
        assert "never written over" in stderr and "Traceback" not in stderr
    assert (export.read_bytes(), dictionary.read_bytes()) == before
    imported = import_redcap(export, dictionary)
    with pytest.raises(InputError, match="is a file being imported"):
        write_episodes(imported, export, force=True)
    assert export.read_bytes() == before[0]


def test_a_wrong_output_is_refused_before_the_export_is_read(
    tmp_path: Path, dictionary: Path
) -> None:
    """The output's name and an existing file are refused first: no list of problems to
    correct in REDCap, only to be told afterwards that the file could not be written."""
    export = _edit(write_export(tmp_path, dictionary), "code")
    code, stdout, stderr = run(export, "--dictionary", dictionary, "--output", tmp_path / "e.txt")
    assert code == 2 and stdout == "" and "name the output e.csv" in stderr
    (tmp_path / "e.csv").write_text("kept", encoding="utf-8")
    code, stdout, stderr = run(export, "--dictionary", dictionary, "--output", tmp_path / "e.csv")
    assert code == 2 and stdout == "" and "exists; add --force" in stderr


@pytest.mark.parametrize("saved_by_excel", ["export", "dictionary"])
def test_one_encoding_serves_files_saved_differently(
    tmp_path: Path, dictionary: Path, saved_by_excel: str
) -> None:
    """A centre translated its labels (féminin); one file went through Excel on Windows
    (cp1252, semicolons, CRLF), the other is as REDCap gave it (UTF-8 with its mark).
    --encoding cp1252 is for the file that is not UTF-8: the other is still read as UTF-8,
    not turned into 'fÃ©minin', which matched no label."""
    import csv
    import io

    text = dictionary.read_text(encoding="utf-8")
    dictionary.write_text(
        text.replace("1, female | 2, male", "1, féminin | 2, masculin"), encoding="utf-8"
    )
    export = write_export(tmp_path, dictionary, labels=True)
    header, rows = rows_of(export)
    for cells in rows:
        at = header.index("sex")
        cells[at] = {"female": "féminin", "male": "masculin"}.get(cells[at], cells[at])

    def save(path: Path, table: list[list[str]], excel: bool) -> None:
        out = io.StringIO()
        csv.writer(out, delimiter=";" if excel else ",", lineterminator="\r\n").writerows(table)
        path.write_bytes(
            out.getvalue().encode("cp1252") if excel else b"\xef\xbb\xbf" + out.getvalue().encode()
        )

    save(export, [header, *rows], saved_by_excel == "export")
    with dictionary.open(encoding="utf-8", newline="") as handle:
        save(dictionary, list(csv.reader(handle)), saved_by_excel == "dictionary")
    out = tmp_path / "episodes.csv"
    code, _, stderr = run(export, "--dictionary", dictionary, "-o", out, "--encoding", "cp1252")
    assert code == 0, stderr
    assert out.read_bytes() == EPISODES_CSV.read_bytes()
    code, _, stderr = run(export, "--dictionary", dictionary, "-o", out, "--force")
    assert code == 2 and "is not UTF-8 text" in stderr and "--encoding cp1252" in stderr


def _rename_member(package: Path, old: str, new: str) -> None:
    """Rename a symptom field of the package's Table Schema and data (a centre's own)."""
    import json

    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == old)["name"] = new
    path.write_text(json.dumps(schema), encoding="utf-8")
    data = package / "data" / "episodes.csv"
    lines = data.read_text(encoding="utf-8").split("\n")
    lines[0] = ",".join(new if c == old else c for c in lines[0].split(","))
    data.write_text("\n".join(lines), encoding="utf-8")


def test_checkbox_columns_are_named_as_redcap_names_them(package: Path, tmp_path: Path) -> None:
    """A centre's schema names a symptom 'Chest-Pain': REDCap keeps the option code in the
    dictionary but exports its column as symptoms___chest_pain (lower case, '-' as '_')."""
    _rename_member(package, "chest_pain", "Chest-Pain")
    dictionary = tmp_path / "dictionary.csv"
    result = CliRunner().invoke(
        main, ["template", str(package), "--format", "redcap", "-o", str(dictionary)]
    )
    assert result.exit_code == 0 and "Chest-Pain, Chest pain" in dictionary.read_text("utf-8")
    episodes = pd.read_csv(package / "data" / "episodes.csv", dtype=str, keep_default_na=False)
    export = tmp_path / "export.csv"
    schema = package / "schema" / "episodes.schema.json"
    export.write_text(to_export(episodes, dictionary, schema), encoding="utf-8")
    assert "symptoms___chest_pain" in rows_of(export)[0]
    imported = import_redcap(export, dictionary, package)
    assert imported.complete, imported.messages(3)
    pd.testing.assert_frame_equal(imported.episodes, episodes)


def test_group_members_redcap_cannot_tell_apart_are_refused(package: Path, tmp_path: Path) -> None:
    _rename_member(package, "chest_pain", "Fever")  # beside fever: one column in REDCap
    result = CliRunner().invoke(
        main, ["template", str(package), "--format", "redcap", "-o", str(tmp_path / "d.csv")]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "the fields of the group symptoms (fever, dyspnoea" in result.stderr
    assert "stay distinct in lower case" in result.stderr and not (tmp_path / "d.csv").exists()
