"""The supplementary bundle and single-file exports: contents, determinism, round trips, safety."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyreadstat
import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.export.formats.text import neutralise

from support.helpers import ACCEPT, CONSENT, EPISODES_CSV, REPO, row_of

TOP = "im-dah-case-series-0.1.0"
BUNDLE = {
    "CITATION.cff", "LICENSE", "MANIFEST-sha256.txt", "README.md", "codebook.html",
    # datacite.xml waits for the DOI (the shipped package has none yet): the deposit writes it.
    "datacite.json", "schema-org.jsonld", "ro-crate-metadata.json", "zenodo.json", "load.R",
    "codebook.md", "data/episodes.csv", "data/inferences.csv", "data/raw/table1.tsv",
    "datapackage.json", "episodes.dta", "episodes.parquet", "episodes.sav", "episodes.xlsx",
    "schema/episodes.schema.json", "schema/inferences.schema.json", "schema/table1.schema.json",
    "disclosure-risk.txt",
}  # fmt: skip
SCHEMA = json.loads((REPO / "schema" / "episodes.schema.json").read_text())
FIELDS = {f["name"]: f for f in SCHEMA["fields"]}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("bundle") / "supplement.zip"
    code, out, err = run("export", "supplement", *ACCEPT, "--output", str(target))
    assert code == 0, err
    assert f"{target}: 23 files, sha256 " in out
    folder = target.parent / "unzipped"
    zipfile.ZipFile(target).extractall(folder)
    return folder / TOP


def test_bundle_holds_every_file_and_checksums(bundle: Path) -> None:
    names = {str(p.relative_to(bundle)) for p in bundle.rglob("*") if p.is_file()}
    assert names == BUNDLE
    manifest = (bundle / "MANIFEST-sha256.txt").read_text().splitlines()
    assert len(manifest) == len(BUNDLE) - 1
    for line in manifest:
        digest, name = line.split("  ")
        assert hashlib.sha256((bundle / name).read_bytes()).hexdigest() == digest


def test_two_exports_are_byte_identical(tmp_path: Path) -> None:
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert run("export", "supplement", *ACCEPT, "--output", str(first))[0] == 0
    assert run("export", "supplement", *ACCEPT, "--output", str(second))[0] == 0
    assert first.read_bytes() == second.read_bytes()
    archive = zipfile.ZipFile(first)
    names = archive.namelist()
    assert names == sorted(names)
    assert {i.date_time for i in archive.infolist()} == {(2026, 11, 25, 0, 0, 0)}


def test_files_carry_the_package_date_not_the_clock(bundle: Path) -> None:
    # SPSS and Stata stamp a creation time and Excel a modification time into the file.
    assert (bundle / "episodes.sav").read_bytes()[92:109] == b"25 Nov 2600:00:00"
    assert b"<timestamp>\x1125 Nov 2026 00:00</timestamp>" in (bundle / "episodes.dta").read_bytes()
    core = zipfile.ZipFile(bundle / "episodes.xlsx").read("docProps/core.xml")
    assert b">2026-11-25T00:00:00Z</dcterms:modified>" in core


def test_bundled_package_is_valid_and_its_csv_is_the_original(bundle: Path) -> None:
    assert (bundle / "data" / "episodes.csv").read_bytes() == EPISODES_CSV.read_bytes()
    assert dahpkg.validate(bundle).valid
    from frictionless import Package

    assert Package(str(bundle / "datapackage.json")).validate().valid


def test_readme_cites_the_letter_and_lists_every_file(bundle: Path) -> None:
    readme = (bundle / "README.md").read_text()
    assert "Management and outcome of immune-mediated diffuse alveolar hemorrhage" in readme
    assert "## Data availability statement" in readme and "12 episodes of 10 patients" in readme
    for name in BUNDLE:
        assert f"- `{name}`: " in readme
    assert "creativecommons.org/licenses/by/4.0" in readme


def expected() -> pd.DataFrame:
    return dahpkg.load()


def test_parquet_round_trip(bundle: Path) -> None:
    pd.testing.assert_frame_equal(pd.read_parquet(bundle / "episodes.parquet"), expected())


def test_csv_round_trip(bundle: Path) -> None:
    pd.testing.assert_frame_equal(dahpkg.load(bundle), expected())


def decode(frame: pd.DataFrame) -> pd.DataFrame:
    """Codes of SPSS/Stata back to the types of dahpkg.load(), by the schema alone."""
    out = pd.DataFrame(index=frame.index)
    for name, field in FIELDS.items():
        values = frame[name]
        if field["type"] == "boolean":
            out[name] = values.map({1.0: True, 0.0: False}).astype("boolean")
        elif "categories" in field:
            cats = [c["value"] for c in field["categories"]]
            out[name] = values.map({float(i): v for i, v in enumerate(cats, 1)}).astype(
                pd.CategoricalDtype(cats)
            )
        else:
            out[name] = values.astype("Int64")
    return out


@pytest.mark.parametrize("kind", ["sav", "dta"])
def test_spss_and_stata_round_trip_with_labels(bundle: Path, kind: str) -> None:
    reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    frame, meta = reader(str(bundle / f"episodes.{kind}"))
    pd.testing.assert_frame_equal(decode(frame), expected())
    assert meta.column_names_to_labels["icu"] == "ICU admission"
    labels = {k: {float(c): v for c, v in m.items()} for k, m in meta.variable_value_labels.items()}
    assert labels["icu"] == {0.0: "No", 1.0: "Yes"}
    assert labels["sex"] == {1.0: "female", 2.0: "male"}
    assert labels["diagnosis"][4.0] == "systemic lupus erythematosus"


def test_xlsx_round_trip_and_layout(bundle: Path) -> None:
    book = openpyxl.load_workbook(bundle / "episodes.xlsx")
    assert book.sheetnames == ["data", "codebook", "rules"]
    sheet = book["data"]
    assert sheet.freeze_panes == "A2"
    assert all(sheet.column_dimensions[c.column_letter].width for c in sheet[1])
    assert not [c for row in book.worksheets for r in row.iter_rows() for c in r
                if c.data_type == "f"]  # fmt: skip
    rows = list(sheet.values)
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    assert set(frame["icu"]) == {"Yes", "No"}
    decoded = frame.replace({"Yes": 1.0, "No": 0.0})
    for name, field in FIELDS.items():
        if "categories" in field:
            cats = [c["value"] for c in field["categories"]]
            decoded[name] = decoded[name].map({v: float(i) for i, v in enumerate(cats, 1)})
    pd.testing.assert_frame_equal(decode(decoded.astype(float)), expected())
    codebook = list(book["codebook"].values)
    assert [r[0] for r in codebook[1:]] == list(FIELDS)
    assert len(list(book["rules"].values)) == 1 + len(dahpkg.RULES)


def test_codebook_describes_every_variable_and_rule(bundle: Path) -> None:
    markdown = (bundle / "codebook.md").read_text()
    page = (bundle / "codebook.html").read_text()
    for name, field in FIELDS.items():
        assert f"| {name} | {field['title']} |" in markdown
        assert f"<td>{name}</td>" in page
    assert "F = female; M = male" in markdown and "1 = female; 2 = male" in markdown
    assert "(empty cell) = not recorded" in markdown
    assert "| age_at_dah | Age at DAH | integer | year |" in markdown
    for rule in dahpkg.RULES:
        assert f"| {rule.id} |" in markdown and rule.id in page
    assert "<script" not in page


def test_invalid_package_is_not_exported(broken, tmp_path: Path) -> None:
    path = broken(lambda h, rows: row_of(rows, 2, 1).update(ivig="true"))
    target = tmp_path / "s.zip"
    code, _, err = run("export", "supplement", *ACCEPT, str(path), "--output", str(target))
    assert code == 1
    assert "only a package that validates can be exported" in err
    assert "ivig-sle-aps: 1 failure(s)" in err
    assert not target.exists()


def test_existing_output_needs_force(tmp_path: Path) -> None:
    target = tmp_path / "episodes.sav"
    target.write_text("keep me")
    code, _, err = run("export", "sav", *ACCEPT, "--output", str(target))
    assert code == 2 and "exists; add --force" in err
    assert target.read_text() == "keep me"
    assert run("export", "sav", *ACCEPT, "--output", str(target), "--force")[0] == 0
    assert target.read_bytes().startswith(b"$FL2")


@pytest.mark.parametrize("kind", ["csv", "xlsx", "sav", "dta", "parquet", "codebook"])
def test_single_file_exports(tmp_path: Path, kind: str) -> None:
    target = tmp_path / ("codebook.html" if kind == "codebook" else f"episodes.{kind}")
    code, out, err = run("export", kind, *ACCEPT, "--output", str(target))
    assert code == 0, err
    assert f"{target}: " in out and target.stat().st_size > 500
    assert not [p for p in tmp_path.iterdir() if p != target]  # no temporary file left


def test_supplement_needs_a_package(tmp_path: Path) -> None:
    code, _, err = run("export", "supplement", *ACCEPT, str(EPISODES_CSV), "--output",
                       str(tmp_path / "s.zip"))  # fmt: skip
    assert code == 2 and "needs a data package" in err
    assert (
        run("export", "csv", *ACCEPT, str(EPISODES_CSV), "--output", str(tmp_path / "e.csv"))[0]
        == 0
    )


def test_formulas_are_neutralised(package: Path, tmp_path: Path) -> None:
    schema_path = package / "schema" / "episodes.schema.json"
    schema = json.loads(schema_path.read_text())
    schema["fields"].append({"name": "note", "type": "string", "title": "Note",
                             "description": "Free text from a partner centre."})  # fmt: skip
    schema_path.write_text(json.dumps(schema))
    csv_path = package / "data" / "episodes.csv"
    lines = csv_path.read_text().splitlines()
    notes = ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "plain"]
    lines = [lines[0] + ",note"] + [
        line + "," + (notes[i] if i < len(notes) else "") for i, line in enumerate(lines[1:])
    ]
    csv_path.write_text("\n".join(lines) + "\n")
    assert dahpkg.validate(package).valid

    assert run("export", "csv", *ACCEPT, str(package), "--output", str(tmp_path / "e.csv"))[0] == 0
    written = pd.read_csv(tmp_path / "e.csv", dtype=str, keep_default_na=False)["note"]
    assert list(written[:5]) == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "plain"]

    assert (
        run("export", "xlsx", *ACCEPT, str(package), "--output", str(tmp_path / "e.xlsx"))[0] == 0
    )
    sheet = openpyxl.load_workbook(tmp_path / "e.xlsx")["data"]
    column = [c.value for c in next(sheet.iter_cols(min_col=32, max_col=32))]
    assert column[1:6] == ['\'=HYPERLINK("x")', "'+1", "'-2", "'@SUM(A1)", "plain"]
    assert neutralise("White") == "White"


def test_python_api(tmp_path: Path) -> None:
    from dahpkg.export import export_supplement

    bundle = export_supplement(output=tmp_path / "s.zip", risk_accepted=CONSENT)
    assert set(bundle.files) == BUNDLE
    assert bundle.sha256 == hashlib.sha256((tmp_path / "s.zip").read_bytes()).hexdigest()
    with zipfile.ZipFile(io.BytesIO((tmp_path / "s.zip").read_bytes())) as archive:
        assert archive.testzip() is None
