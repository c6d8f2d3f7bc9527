"""The data-entry template: what Excel and LibreOffice read from it, checked in its XML through
openpyxl, and what LibreOffice makes of it when soffice is installed."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dahpkg.errors import InputError
from dahpkg.export import look
from dahpkg.export.template import (
    DATA_SHEET,
    ENTRY_ROWS,
    HOW_TO_SHEET,
    LISTS_SHEET,
    TEMPLATES,
    allowed_text,
    choices,
    write_template,
)
from dahpkg.package import Field, TableSchema, shipped_schema


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "entry.xlsx"
    write_template(None, path)
    return path


def _validations(path: Path) -> dict[str, object]:
    """Each column's data validation (by the header name of the column it covers)."""
    from openpyxl import load_workbook
    from openpyxl.utils import column_index_from_string

    sheet = load_workbook(path)[DATA_SHEET]
    names = [c.value for c in sheet[1]]
    found = {}
    for rule in sheet.data_validations.dataValidation:
        (cells,) = rule.sqref.ranges
        assert cells.min_row == 2 and cells.max_row == ENTRY_ROWS, "never on the header"
        assert cells.min_col == cells.max_col
        found[names[cells.min_col - 1]] = rule
        assert column_index_from_string(cells.coord.split(":")[0].rstrip("0123456789"))
    return found


def test_the_first_sheet_is_the_episodes_with_every_field_name_in_row_one(book: Path) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    assert workbook.sheetnames == [DATA_SHEET, HOW_TO_SHEET, LISTS_SHEET]
    sheet = workbook[DATA_SHEET]
    assert [c.value for c in sheet[1]] == list(shipped_schema().names)
    assert sheet.max_row == 1, "column styles unlock the entry area without making cells"
    assert sheet.freeze_panes == "A2"
    last = sheet.cell(1, sheet.max_column).column_letter
    assert sheet.auto_filter.ref == f"A1:{last}{ENTRY_ROWS}"
    assert workbook[LISTS_SHEET].sheet_state == "hidden"


def test_the_header_is_locked_and_bold_the_data_columns_unlocked_and_text_stays_text(
    book: Path,
) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(book)[DATA_SHEET]
    protection = sheet.protection
    assert protection.sheet
    # openpyxl's flags mean "forbidden": sorting, filtering, inserting rows stay allowed.
    assert not protection.sort and not protection.autoFilter and not protection.insertRows
    assert not protection.formatColumns
    schema = shipped_schema()
    # openpyxl gives one dimension for a run of columns of the same style.
    columns = {i: d for d in sheet.column_dimensions.values() for i in range(d.min, d.max + 1)}
    for cell in sheet[1]:
        assert cell.font.b and cell.protection.locked and cell.has_style
        item = schema.field(str(cell.value))
        dimension = columns[cell.column]
        assert dimension.protection.locked is False, item.name
        assert (dimension.number_format == "@") == (item.type == "string"), item.name


def test_each_header_note_gives_label_allowed_values_and_description(book: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(book)[DATA_SHEET]
    for cell in sheet[1]:
        item = shipped_schema().field(str(cell.value))
        assert cell.comment is not None, item.name
        text = cell.comment.text
        assert text.startswith(item.label) and item.description in text
        assert allowed_text(item) in text


def test_every_categorical_and_yes_no_column_has_a_drop_down_from_a_defined_name(
    book: Path,
) -> None:
    from openpyxl import load_workbook

    workbook = load_workbook(book)
    rules = _validations(book)
    lists = workbook[LISTS_SHEET]
    for item in shipped_schema().fields:
        offered = choices(item)
        if offered is None:
            continue
        rule = rules[item.name]
        assert rule.type == "list" and rule.showDropDown in (None, False), item.name
        name = rule.formula1
        assert not name.startswith("=") and not name.startswith('"'), "never inline strings"
        defined = workbook.defined_names[name]
        ((sheet, cells),) = defined.destinations
        assert sheet == LISTS_SHEET
        values = [c.value for row in lists[cells.replace("$", "")] for c in row]
        assert tuple(values) == offered
        if item.type == "boolean":
            assert values == [item.true_values[0], item.false_values[0]] == ["Yes", "No"]
        assert rule.errorStyle in (None, "stop") and rule.showErrorMessage
        assert rule.error == f"{item.label}: pick {' or '.join(offered)} from the list."
        assert rule.showInputMessage and rule.prompt


def test_whole_numbers_are_limited_by_the_schema_and_texts_stay_within_excel_limits(
    book: Path,
) -> None:
    rules = _validations(book)
    age = rules["age_at_diagnosis"]
    # "between" is the default operator, which XlsxWriter leaves unsaid.
    assert (age.type, age.operator or "between") == ("whole", "between")
    assert (age.formula1, age.formula2) == ("0", "120")
    patient = rules["patient_id"]
    assert (patient.type, patient.operator) == ("whole", "greaterThanOrEqual")
    assert patient.formula1 == "1"
    for name, rule in rules.items():
        assert len(rule.prompt or "") <= look.PROMPT_MAX, name
        assert len(rule.error or "") <= look.ERROR_MAX, name
        assert len(rule.promptTitle or "") <= look.TITLE_MAX, name
        assert len(rule.errorTitle or "") <= look.TITLE_MAX, name
    # The input message is the field's description (a long one is cut: see below).
    assert rules["patient_id"].prompt.startswith(shipped_schema().field("patient_id").description)


def test_exclusive_bounds_become_inclusive_whole_numbers() -> None:
    item = Field("n", "integer", "N", "", exclusive_minimum=0, exclusive_maximum=10.5)
    assert item.bounds() == (1, 10)
    assert allowed_text(item) == "a whole number from 1 to 10"
    assert Field("x", "number", "X", "", minimum=2, exclusive_minimum=0).bounds() == (2, None)


def test_a_long_description_is_cut_with_an_ellipsis(tmp_path: Path) -> None:
    descriptor = json.loads((Path(__file__).parents[2] / "schema" / "episodes.schema.json")
                            .read_text(encoding="utf-8"))  # fmt: skip
    descriptor["fields"][2]["description"] = "Sex as recorded. " * 40
    descriptor["fields"][2]["title"] = "A title far longer than thirty-two characters"
    schema = TableSchema.from_descriptor(descriptor)
    write_template(schema, tmp_path / "t.xlsx")
    rule = _validations(tmp_path / "t.xlsx")["sex"]
    assert len(rule.prompt) == look.PROMPT_MAX and rule.prompt.endswith(look.ELLIPSIS)
    assert len(rule.promptTitle) == look.TITLE_MAX and rule.promptTitle.endswith(look.ELLIPSIS)


def test_the_how_to_sheet_says_what_each_column_takes_and_what_blank_means(book: Path) -> None:
    from openpyxl import load_workbook

    sheet = load_workbook(book)[HOW_TO_SHEET]
    text = "\n".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    schema = shipped_schema()
    assert f"A blank cell means {schema.missing_label}" in text
    yes = schema.field("ivig")
    assert all(spelling in text for spelling in yes.true_values + yes.false_values)
    assert f"rows 2 to {ENTRY_ROWS}" in text and "dahpkg validate" in text
    assert "2 for a relapse" in text  # the episode column's own description
    rows = {r[0].value: [c.value for c in r] for r in sheet.iter_rows() if r[0].value}
    for item in schema.fields:
        assert rows[item.name][1] == item.label and rows[item.name][5] == item.description
    assert "F = female; M = male" in rows["sex"]


def test_two_runs_give_the_same_bytes(tmp_path: Path, book: Path) -> None:
    write_template(None, tmp_path / "again.xlsx")
    again = hashlib.sha256((tmp_path / "again.xlsx").read_bytes()).digest()
    assert hashlib.sha256(book.read_bytes()).digest() == again


def test_the_csv_template_is_the_header_and_the_codebook_beside_it(tmp_path: Path) -> None:
    written = write_template(None, tmp_path / "entry.csv")
    assert [p.name for p in written] == ["entry.csv", "entry.codebook.csv"]
    with (tmp_path / "entry.csv").open(encoding="utf-8", newline="") as handle:
        assert list(csv.reader(handle)) == [list(shipped_schema().names)]
    with (tmp_path / "entry.codebook.csv").open(encoding="utf-8", newline="") as handle:
        codebook = list(csv.reader(handle))
    assert [r[0] for r in codebook[1:]] == list(shipped_schema().names)


def test_an_existing_file_is_kept_unless_forced_and_nothing_is_half_written(tmp_path: Path) -> None:
    (tmp_path / "entry.codebook.csv").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="add --force"):
        write_template(None, tmp_path / "entry.csv")
    assert not (tmp_path / "entry.csv").exists(), "all or nothing"
    assert (tmp_path / "entry.codebook.csv").read_text(encoding="utf-8") == "mine"
    write_template(None, tmp_path / "entry.csv", force=True)
    assert (tmp_path / "entry.codebook.csv").read_text(encoding="utf-8") != "mine"


def test_a_format_and_a_suffix_that_disagree_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"name it entry\.csv"):
        write_template(None, tmp_path / "entry.xlsx", "csv")
    with pytest.raises(InputError, match="use one of xlsx, csv, redcap"):
        write_template(None, tmp_path / "entry.pdf", "pdf")
    assert set(TEMPLATES) == {"xlsx", "csv", "redcap"} and not list(tmp_path.iterdir())


def test_a_package_s_own_schema_is_followed(package: Path, tmp_path: Path) -> None:
    schema_path = package / "schema" / "episodes.schema.json"
    descriptor = json.loads(schema_path.read_text(encoding="utf-8"))
    sex = next(f for f in descriptor["fields"] if f["name"] == "sex")
    sex["categories"].append({"value": "X", "label": "unspecified"})
    sex["constraints"]["enum"].append("X")
    schema_path.write_text(json.dumps(descriptor), encoding="utf-8")
    write_template(package, tmp_path / "own.xlsx")
    from openpyxl import load_workbook

    lists = load_workbook(tmp_path / "own.xlsx")[LISTS_SHEET]
    column = next(c for c in lists[1] if c.value == "sex").column_letter
    assert [c.value for c in lists[column][1:] if c.value] == ["F", "M", "X"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_keeps_the_lists_the_limits_and_the_locked_header(
    book: Path, tmp_path: Path
) -> None:
    import re
    import zipfile

    copy = tmp_path / "entry.xlsx"
    shutil.copy(book, copy)
    subprocess.run(["soffice", "--headless", "--convert-to", "ods", "--outdir", str(tmp_path),
                    str(copy)], check=True, capture_output=True, timeout=180)  # fmt: skip
    content = zipfile.ZipFile(tmp_path / "entry.ods").read("content.xml").decode("utf-8")
    assert "cell-content-is-in-list(list_sex)" in content
    assert "cell-content-is-whole-number() and cell-content-is-between(0,120)" in content
    # The header cells have a style of their own, which is not the unlocked one of the columns.
    header_style = re.search(r'<table:table-cell table:style-name="(ce\d+)"[^>]*>'
                             r"<text:p>patient_id</text:p>", content)  # fmt: skip
    assert header_style is not None
    style = re.search(rf'<style:style style:name="{header_style[1]}".*?</style:style>', content)
    assert style is not None and 'cell-protect="none"' not in style[0]
    assert 'table:display="false"' in content  # the lists sheet stays hidden
