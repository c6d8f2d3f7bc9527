"""A package dahpkg did not make names files and values: none may lead outside its folder,
and its name and version become file names and URL segments only once checked."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from dahpkg.cli import main

from support.helpers import ACCEPT

Descriptor = dict[str, Any]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def edit(package: Path, change: Callable[[Descriptor], None]) -> Path:
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text(encoding="utf-8"))
    change(descriptor)
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    return package


def resource(descriptor: Descriptor, name: str) -> Descriptor:
    return next(r for r in descriptor["resources"] if r["name"] == name)


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the package that must never be read into a release."""
    path = tmp_path / "secret" / "x.json"
    path.parent.mkdir()
    path.write_text('{"fields": [{"name": "SECRET-OUTSIDE"}]}', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("schema", "../secret/x.json", "leads outside the package"),
        ("schema", "schema/../../secret/x.json", "leads outside the package"),
        ("path", "/etc/passwd.csv", "is an absolute or Windows path"),
        ("path", "C:\\secret\\inferences.csv", "is an absolute or Windows path"),
        ("schema", "https://example.org/x.json", "is a URL; dahpkg never fetches one"),
        ("schema", "file:///etc/x.json", "is a URL; dahpkg never fetches one"),
        ("path", "data/in\x1bferences.csv", "holds a control character"),
    ],
)
def test_a_companion_naming_a_file_outside_is_refused(
    package: Path, secret: Path, key: str, value: str, message: str
) -> None:
    edit(package, lambda d: resource(d, "inferences").__setitem__(key, value))
    output = package.parent / "out.zip"
    code, out, err = run("export", "supplement", str(package), "--output", str(output), *ACCEPT)
    assert code == 2, out + err
    assert f"the {key} of the 'inferences' resource" in err and message in err
    assert "Traceback" not in err and not output.exists()


@pytest.mark.parametrize("target", ["file", "folder"])
def test_a_symbolic_link_leading_out_is_refused(package: Path, secret: Path, target: str) -> None:
    if target == "file":
        (package / "schema" / "inferences.schema.json").unlink()
        os.symlink(secret, package / "schema" / "inferences.schema.json")
    else:  # a folder of the package that is a link to one outside it
        (package / "schema" / "inferences.schema.json").rename(secret.parent / "inferences.json")
        os.symlink(secret.parent, package / "outside")
        edit(
            package,
            lambda d: resource(d, "inferences").__setitem__("schema", "outside/inferences.json"),
        )
    output = package.parent / "out.zip"
    code, out, err = run("export", "supplement", str(package), "--output", str(output), *ACCEPT)
    assert code == 2, out + err
    assert "leads outside the package through a symbolic link" in err
    assert not output.exists()


def test_a_link_inside_the_package_is_followed(package: Path) -> None:
    # A link that stays in the folder is an ordinary way to organise files.
    (package / "schema" / "inferences.schema.json").rename(package / "inferences.schema.json")
    os.symlink(package / "inferences.schema.json", package / "schema" / "inferences.schema.json")
    output = package.parent / "out.zip"
    code, out, err = run("export", "supplement", str(package), "--output", str(output), *ACCEPT)
    assert code == 0, out + err and output.is_file()


def test_publication_facts_through_a_link_out_are_refused(package: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text('[dataset]\nlicence = "CC-BY-4.0"\n', encoding="utf-8")
    os.symlink(outside, package / "publication.toml")
    output = package.parent / "out.zip"
    code, out, err = run("export", "supplement", str(package), "--output", str(output), *ACCEPT)
    assert code == 2 and "the publication.toml of" in err and "symbolic link" in err, out + err


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", "../../../../elsewhere/evil"),
        ("name", "../../deposit/depositions/1000/actions/publish?x="),
        ("name", ".."),
        ("name", "IM-DAH"),
        ("name", "a/b"),
        ("name", 7),
        ("version", "1.0/../../x"),
        ("version", ""),
    ],
)
def test_an_unsafe_name_or_version_is_refused_before_use(
    package: Path, tmp_path: Path, key: str, value: Any
) -> None:
    edit(package, lambda d: d.__setitem__(key, value))
    work = tmp_path / "work"
    work.mkdir()
    before = {p for p in tmp_path.rglob("*")}
    command = ["export", "supplement", str(package), *ACCEPT]
    result = CliRunner().invoke(main, command, catch_exceptions=False)
    assert result.exit_code == 2, result.output
    assert f"the {key} of the package in" in result.stderr
    assert "lower case" in result.stderr or "a version is" in result.stderr
    assert {p for p in tmp_path.rglob("*")} == before  # nothing written anywhere
    # Every command refuses it, not only those that write files.
    assert run("validate", str(package))[0] == 2


def test_a_dialect_given_as_a_path_is_refused_unread(package: Path) -> None:
    # The v2 profile wants the dialect inline: no file is opened for it, inside or outside.
    edit(package, lambda d: resource(d, "episodes").update(dialect="../dialect.json"))
    code, out, err = run("validate", str(package))
    assert code == 2, out + err
    assert "does not follow the datapackage.json v2 profile at resources/0/dialect" in err


@pytest.mark.parametrize("depth", [65, 10_000])
@pytest.mark.parametrize("where", ["descriptor", "schema"])
def test_json_nested_too_deep_is_refused(package: Path, where: str, depth: int) -> None:
    nested = "[" * depth + "]" * depth
    if where == "descriptor":
        text = (package / "datapackage.json").read_text(encoding="utf-8").rstrip()
        (package / "datapackage.json").write_text(text[:-1] + f', "x": {nested}}}')
    else:
        path = package / "schema" / "episodes.schema.json"
        text = path.read_text(encoding="utf-8").rstrip()
        path.write_text(text[:-1] + f', "x": {nested}}}')
    code, out, err = run("validate", str(package))
    assert code == 2, out + err
    assert "the nesting of JSON objects and lists exceeds dahpkg's limit of 64 levels" in err
    assert "DAHPKG_MAX_JSON_DEPTH" in err and "Traceback" not in err


def test_a_schema_declaring_more_columns_than_the_limit_is_refused(package: Path, monkeypatch):
    monkeypatch.setenv("DAHPKG_MAX_COLUMNS", "30")  # the shipped schema declares 31
    code, out, err = run("validate", str(package))
    assert code == 2, out + err
    assert "the number of columns of a table exceeds dahpkg's limit of 30 columns" in err
    assert "(31 fields declared)" in err


# --- found by an adversarial review ----------------------------------------------------------


def export_code(package: Path) -> tuple[int, str]:
    output = package.parent / "out.zip"
    code, out, err = run("export", "supplement", str(package), "--output", str(output), *ACCEPT)
    assert "Traceback" not in out + err and not output.exists()
    return code, err


@pytest.mark.parametrize("key", ["path", "schema"])
def test_a_named_pipe_in_the_package_is_refused_not_waited_on(package: Path, key: str) -> None:
    os.mkfifo(package / "data" / "pipe")
    edit(package, lambda d: resource(d, "inferences").update({key: "data/pipe"}))
    code, err = export_code(package)
    assert code == 2 and "is not a regular file (a pipe or a device?): " in err, err


def test_a_huge_sparse_descriptor_is_refused_before_it_is_read(package: Path) -> None:
    os.truncate(package / "datapackage.json", 1 << 30)  # 1 GiB that costs no disk
    code, _, err = run("validate", str(package))
    assert code == 2 and "(1,073,741,824 bytes)" in err and "DAHPKG_MAX_JSON_BYTES" in err


def test_a_csv_line_of_a_gigabyte_is_refused_at_the_cell_bound(tmp_path: Path) -> None:
    path = tmp_path / "centre.csv"
    path.write_text("patient_id,episode\n1,", encoding="utf-8")
    os.truncate(path, 1 << 30)
    code, _, err = run("validate", str(path))
    assert code == 2 and "a row runs past" in err and "DAHPKG_MAX_CELL_CHARS" in err


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(contributors=[None]), "contributors of the package"),
        (lambda d: d.update(licenses=[None]), "v2 profile at licenses/0"),
        (lambda d: d.update(keywords=[1]), "v2 profile at keywords/0"),
        (lambda d: d.update(subjects=[1]), "subjects of the package"),
        (lambda d: d["resources"].append(None), "v2 profile at resources/3"),
        (lambda d: resource(d, "inferences").update(path=5), "must be a relative path as text"),
        (lambda d: d.update(version="1." + "0" * 60), "at most 40 characters"),
    ],
)
def test_a_descriptor_of_the_wrong_shape_is_refused(package: Path, change, message) -> None:
    edit(package, change)
    code, err = export_code(package)
    assert code == 2 and message in err, err


def test_a_number_of_thousands_of_digits_is_refused(package: Path) -> None:
    text = (package / "datapackage.json").read_text(encoding="utf-8").rstrip()
    (package / "datapackage.json").write_text(text[:-1] + ', "x": 1' + "0" * 5000 + "}")
    code, err = export_code(package)
    assert code == 2 and "Exceeds the limit (4300 digits)" in err, err


def test_a_bound_no_float_can_hold_is_refused(package: Path) -> None:
    path = package / "schema" / "episodes.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    next(f for f in schema["fields"] if f["name"] == "age_at_dah")["constraints"]["maximum"] = (
        10**400
    )
    path.write_text(json.dumps(schema), encoding="utf-8")
    code, err = export_code(package)
    assert code == 2 and "has a minimum or maximum that is not a number" in err, err


@pytest.mark.parametrize(
    ("facts", "message"),
    [("dataset = 5\n", "[dataset] must be a table"), ('orcid = "x"\n', "[orcid] must be a table")],
)
def test_publication_facts_of_the_wrong_shape_are_refused(package: Path, facts, message) -> None:
    (package / "publication.toml").write_text(facts, encoding="utf-8")
    code, err = export_code(package)
    assert code == 2 and message in err, err


def test_publication_facts_that_are_a_folder_are_refused(package: Path) -> None:
    (package / "publication.toml").mkdir()
    code, err = export_code(package)
    assert code == 2 and "publication facts is a folder, not a file" in err, err


def test_a_repeated_key_in_a_companion_table_is_reported(package: Path) -> None:
    with (package / "data" / "inferences.csv").open("a", encoding="utf-8") as handle:
        handle.write("7,2,sex,F,copied twice\n")
    code, err = export_code(package)
    assert code == 1 and "is recorded on more than one row" in err, err


def test_control_characters_in_a_companion_table_are_refused(package: Path) -> None:
    path = package / "data" / "inferences.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1][:-1] + '\x1b]0;owned\x07"'  # inside the quoted basis
    path.write_text("\n".join(lines), encoding="utf-8")
    code, err = export_code(package)
    assert code == 1 and "hold control characters" in err, err
