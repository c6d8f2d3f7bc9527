"""`dahpkg init`: a centre's own package, and everything written from it describing that package.

The centre's cases are the shipped episodes with three patients removed and the others
renumbered, so that every count differs from the letter's twelve episodes in ten patients.
"""

from __future__ import annotations

import io
import json
import tomllib
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

import dahpkg
from dahpkg.cli import main
from dahpkg.export.init import init_package

from support.helpers import CONSENT, EPISODES_CSV, REPO, read_rows, row_of, write_rows

TITLE = "DAH episodes at Hospital de Teste, 2015\u20132024"  # an en dash, as typed
CENTRE = "Pulmonology, Hospital de Teste, Porto, Portugal"
AUTHORS = ("--author", "Silva, Ana", "--author", "Morais Costa, Rui M")
REMOVED = {"1", "2", "3"}
# What only the letter's package may say; none of it may reach another centre's files.
LETTER_WORDS = ("Almada", "Garcia de Orta", "twelve", "ten patients", "Abreu", "letter",
                "Management and outcome", "inferences", "table1")  # fmt: skip


# The centre's acknowledgement of the risk (CONSENT, the letter's, speaks of its Table I).
ACKNOWLEDGED = "consent obtained from every patient"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def centre_rows() -> tuple[list[str], list[dict[str, str]]]:
    header, rows = read_rows(EPISODES_CSV)
    kept = [dict(r) for r in rows if r["patient_id"] not in REMOVED]
    for row in kept:
        row["patient_id"] = str(int(row["patient_id"]) + 100)
    return header, kept


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """The centre's file: 9 episodes of 7 patients, numbered 104 to 110."""
    path = tmp_path / "cases.csv"
    write_rows(path, *centre_rows())
    return path


def init(target: Path, source: Path, *extra: str) -> tuple[int, str, str]:
    return run("init", str(target), "--from", str(source), "--title", TITLE, *AUTHORS,
               "--centre", CENTRE, *extra)  # fmt: skip


@pytest.fixture
def mine(tmp_path: Path, cases: Path) -> Path:
    target = tmp_path / "mine"
    code, _, err = init(target, cases)
    assert code == 0, err
    return target


def test_init_writes_the_centres_own_package(mine: Path) -> None:
    descriptor = json.loads((mine / "datapackage.json").read_text(encoding="utf-8"))
    shipped = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["name"] == "dah-episodes-at-hospital-de-teste-2015-2024"
    assert descriptor["title"] == TITLE and descriptor["version"] == "0.1.0"
    assert CENTRE in descriptor["description"]
    assert [
        (c["familyName"], c["givenName"], c["organization"], c["roles"])
        for c in descriptor["contributors"]
    ] == [("Silva", "Ana", CENTRE, ["creator"]), ("Morais Costa", "Rui M", CENTRE, ["creator"])]
    assert descriptor["licenses"] == shipped["licenses"]  # the proposal, for them to confirm
    assert "the authors confirm" in descriptor["licenses"][0]["title"]
    created = datetime.fromisoformat(descriptor["created"].replace("Z", "+00:00"))
    assert timedelta(0) <= datetime.now(UTC) - created < timedelta(minutes=5)
    assert "sources" not in descriptor
    assert [r["name"] for r in descriptor["resources"]] == ["episodes"]
    text = json.dumps(descriptor)
    assert not [w for w in LETTER_WORDS if w.lower() in text.lower()]
    # The data dictionary, without the notes on how Table I prints a variable; nothing of
    # Table I or of the inferred cells.
    schema = "schema/confirmations.schema.json"
    assert (mine / schema).read_bytes() == (REPO / schema).read_bytes()
    own = json.loads((mine / "schema/episodes.schema.json").read_text(encoding="utf-8"))
    shipped = json.loads((REPO / "schema/episodes.schema.json").read_text(encoding="utf-8"))
    assert sum("letter" in f for f in shipped["fields"]) >= 5
    assert own["fields"] == [{k: v for k, v in f.items() if k != "letter"}
                             for f in shipped["fields"]]  # fmt: skip
    assert not [w for w in ("Table I", "inferences", "letter") if w in json.dumps(own)]
    assert sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*") if p.is_file()) == [
        "data/episodes.csv", "datapackage.json", "publication.toml",
        "schema/confirmations.schema.json", "schema/episodes.schema.json"]  # fmt: skip
    facts = tomllib.loads((mine / "publication.toml").read_text(encoding="utf-8"))
    assert facts["article"]["doi"] == "" and set(facts["orcid"]) == {"Silva", "Morais Costa"}


def test_the_data_are_carried_over_unchanged(mine: Path, cases: Path) -> None:
    assert read_rows(mine / "data" / "episodes.csv") == read_rows(cases)
    report = dahpkg.validate(mine)
    assert report.valid and (report.episodes, report.patients) == (9, 7)
    assert dahpkg.load(mine).equals(dahpkg.load(cases))


def test_a_workbook_is_converted_to_the_tidy_csv(tmp_path: Path, cases: Path) -> None:
    workbook = tmp_path / "cases.xlsx"  # as dahpkg writes it: Yes/No, a codebook sheet
    code, _, err = run("export", "xlsx", str(cases), "--output", str(workbook),
                       "--risk-accepted", CONSENT)  # fmt: skip
    assert code == 0, err
    code, out, err = init(tmp_path / "from-xlsx", workbook)
    assert code == 0, err
    assert "9 episodes of 7 patients" in out
    written = (tmp_path / "from-xlsx" / "data" / "episodes.csv").read_bytes()
    assert written == cases.read_bytes()


def test_a_workbook_sheet_is_chosen_with_sheet(tmp_path: Path, cases: Path) -> None:
    workbook = tmp_path / "cases.xlsx"
    code, _, err = run("export", "xlsx", str(cases), "--output", str(workbook),
                       "--risk-accepted", CONSENT)  # fmt: skip
    assert code == 0, err
    code, _, err = init(tmp_path / "other", workbook, "--sheet", "codebook")
    assert code == 1 and "nothing was written" in err and not (tmp_path / "other").exists()
    code, _, err = init(tmp_path / "mine", workbook, "--sheet", "data")
    assert code == 0, err
    assert (tmp_path / "mine" / "data" / "episodes.csv").read_bytes() == cases.read_bytes()


def test_a_file_with_structural_findings_is_refused_and_nothing_written(tmp_path: Path) -> None:
    header, rows = centre_rows()
    row_of(rows, 104, 1)["age_at_dah"] = "fifty"  # a cell of the wrong type
    row_of(rows, 105, 1)["sex"] = "Female"  # outside its categories
    for row in rows:
        row["ward"] = "3B"  # a column outside the data dictionary
    source = tmp_path / "cases.csv"
    write_rows(source, [*header, "ward"], rows)
    target = tmp_path / "mine"
    code, _, err = init(target, source)
    assert code == 1 and "Traceback" not in err
    assert "3 finding(s) the package could not hold as they stand" in err
    assert "schema-no-unknown-fields (1)" in err and "schema-type (1)" in err
    assert "schema-category (1)" in err
    assert f"dahpkg validate {source}" in err and "nothing was written" in err
    assert not target.exists()


def test_clinical_findings_do_not_stop_init(tmp_path: Path) -> None:
    header, rows = centre_rows()
    row = row_of(rows, 104, 1)
    row["age_at_dah"] = str(int(row["age_at_diagnosis"]) - 5)  # DAH before the diagnosis
    source = tmp_path / "cases.csv"
    write_rows(source, header, rows)
    code, out, err = init(tmp_path / "mine", source)
    assert code == 0, err
    report = dahpkg.validate(source)
    clinical = sum(r.failed for r in report.results if r.rule.kind == "clinical")
    assert clinical >= 1 and f"{clinical} clinical finding(s) to correct or confirm" in out
    assert read_rows(tmp_path / "mine" / "data" / "episodes.csv") == (header, rows)
    assert not dahpkg.validate(tmp_path / "mine").valid


def test_confirmations_reviewed_on_the_file_go_into_the_package(tmp_path: Path) -> None:
    header, rows = centre_rows()
    row = row_of(rows, 104, 1)
    row["age_at_dah"] = str(int(row["age_at_diagnosis"]) - 1)  # a diagnosis after a birthday
    source = tmp_path / "cases.csv"
    write_rows(source, header, rows)
    reason = "Inaugural DAH; the biopsy confirming the disease came after a birthday"
    confirmations = tmp_path / "reviewed.csv"
    confirmations.write_text(
        f'patient_id,episode,rule,reason\n104,1,age-dah-after-diagnosis,"{reason}"\n'
        f'104,1,inaugural-age,"{reason}"\n',
        encoding="utf-8",
    )
    code, out, err = init(tmp_path / "mine", source, "--confirmations", str(confirmations))
    assert code == 0, err
    mine = tmp_path / "mine"
    assert "data/confirmations.csv" in out
    descriptor = json.loads((mine / "datapackage.json").read_text(encoding="utf-8"))
    resource = next(r for r in descriptor["resources"] if r["name"] == "confirmations")
    assert resource["path"] == "data/confirmations.csv"
    assert resource["schema"] == "schema/confirmations.schema.json"
    report = dahpkg.validate(mine)
    assert report.valid and sum(f.confirmed for f in report.findings) == 2
    # Without them, the same package would fail: the confirmations are what make it valid.
    assert not dahpkg.validate(source).valid


def test_a_confirmation_that_matches_nothing_stops_init(tmp_path: Path, cases: Path) -> None:
    confirmations = tmp_path / "reviewed.csv"
    confirmations.write_text(
        "patient_id,episode,rule,reason\n104,1,ivig-sle-aps,reviewed\n", encoding="utf-8"
    )
    code, _, err = init(tmp_path / "mine", cases, "--confirmations", str(confirmations))
    assert code == 1 and "confirmation-valid (1)" in err
    assert not (tmp_path / "mine").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--author", "Ana Silva"), 'is not written as "Family, Given"'),
        (("--cites", "not-a-doi"), "is not a DOI"),
        (("--name", "Mine!"), "a package name is lower case letters"),
        (("--centre", "Hospital \x1b[2J X"), "the centre holds a control character"),
        (("--author", "Silva, " + "A" * 600), "an author's name is 600 characters long"),
    ],
)
def test_wrong_arguments_are_refused(tmp_path: Path, cases: Path, extra: tuple[str, ...],
                                     message: str) -> None:  # fmt: skip
    code, _, err = init(tmp_path / "mine", cases, *extra)
    assert code == 2 and message in err and "Traceback" not in err
    assert not (tmp_path / "mine").exists()


def test_a_title_without_letters_needs_a_name(tmp_path: Path, cases: Path) -> None:
    code, _, err = run("init", str(tmp_path / "m"), "--from", str(cases), "--title", "—",
                       *AUTHORS)  # fmt: skip
    assert code == 2 and "add --name" in err
    code, _, err = run("init", str(tmp_path / "m"), "--from", str(cases), "--title", "—",
                       *AUTHORS, "--name", "dah-porto")  # fmt: skip
    assert code == 0, err
    assert json.loads((tmp_path / "m" / "datapackage.json").read_text())["name"] == "dah-porto"


def test_a_folder_that_holds_files_is_refused(tmp_path: Path, cases: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, _, err = init(target, cases)
    assert code == 2 and "is not empty" in err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    (target / "notes.txt").unlink()  # an empty folder is taken
    assert init(target, cases)[0] == 0


def test_the_python_api_beside_the_command(tmp_path: Path, cases: Path) -> None:
    made = init_package(tmp_path / "api", cases, title="Porto DAH", authors=["Silva, Ana"],
                        cites="https://doi.org/10.1234/abc.5")  # fmt: skip
    assert (made.name, made.episodes, made.patients, made.clinical_findings) == (
        "porto-dah", 9, 7, 0)  # fmt: skip
    assert "data/episodes.csv" in made.files
    descriptor = json.loads((made.root / "datapackage.json").read_text())
    assert descriptor["sources"] == [{"path": "https://doi.org/10.1234/abc.5"}]
    facts = tomllib.loads((made.root / "publication.toml").read_text())
    assert facts["article"]["doi"] == "10.1234/abc.5"


# --- what is written from the centre's package describes it ---------------------------------


def bundle(package: Path, tmp_path: Path, consent: str = ACKNOWLEDGED) -> dict[str, str]:
    target = tmp_path / "bundle.zip"
    code, _, err = run("export", "supplement", str(package), "--output", str(target),
                       "--risk-accepted", consent)  # fmt: skip
    assert code == 0, err
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as archive:
        return {n.split("/", 1)[1]: archive.read(n).decode("utf-8", "replace")
                for n in archive.namelist()}  # fmt: skip


def test_the_supplement_describes_the_centres_package(mine: Path, tmp_path: Path) -> None:
    files = bundle(mine, tmp_path)
    assert "data/raw/table1.tsv" not in files and "data/inferences.csv" not in files
    readme = files["README.md"]
    assert readme.startswith(f"# {TITLE}\n")
    assert "## How to cite\n\nCite the data set:\n\n> Silva A, Morais Costa RM. " + TITLE in readme
    assert "The episode-level data of this case series (9 episodes of 7 patients)" in readme
    # Every file of the bundle but the shipped data dictionary (whose descriptions say how
    # each column was read from Table I) and what quotes it: the codebook, and the variables
    # of the schema.org description.
    described = {n: t for n, t in files.items() if not n.startswith(("schema/", "codebook"))}
    dataset = json.loads(files["schema-org.jsonld"])
    described["schema-org.jsonld"] = json.dumps({**dataset, "variableMeasured": None})
    for name, text in described.items():
        found = [w for w in LETTER_WORDS if w.lower() in text.lower()]
        assert not found, (name, found)
    cff = files["CITATION.cff"]
    assert f'title: "{TITLE}"' in cff and "please cite the data set as below." in cff
    assert "references:" not in cff
    datacite = json.loads(files["datacite.json"])
    assert [c["name"] for c in datacite["creators"]] == ["Silva, Ana", "Morais Costa, Rui M"]
    assert datacite["creators"][0]["affiliation"] == [{"name": CENTRE}]
    assert len(datacite["descriptions"]) == 1 and "relatedIdentifiers" not in datacite
    assert dataset["name"] == TITLE and "citation" not in dataset and "isBasedOn" not in dataset
    deposit = json.loads(files["zenodo.json"])["metadata"]
    assert deposit["title"] == TITLE and "Derived from" not in deposit["description"]
    assert "dah-episodes-at-hospital-de-teste-2015-2024, version 0.1.0" in deposit["notes"]
    assert "7 patients" in files["disclosure-risk.txt"]


def test_a_cited_article_is_linked_by_its_doi_only(tmp_path: Path, cases: Path) -> None:
    target = tmp_path / "cited"
    assert init(target, cases, "--cites", "10.1234/abc.5")[0] == 0
    files = bundle(target, tmp_path)
    assert "Cite the article:\n\n> https://doi.org/10.1234/abc.5\n\nand, for the data" in (
        files["README.md"])  # fmt: skip
    assert "and the article doi:10.1234/abc.5." in files["CITATION.cff"]
    datacite = json.loads(files["datacite.json"])
    assert datacite["relatedIdentifiers"] == [{
        "relatedIdentifier": "10.1234/abc.5", "relatedIdentifierType": "DOI",
        "relationType": "IsSupplementTo", "resourceTypeGeneral": "JournalArticle"}]  # fmt: skip
    dataset = json.loads(files["schema-org.jsonld"])
    assert dataset["citation"] == {"@type": "ScholarlyArticle",
                                   "identifier": "https://doi.org/10.1234/abc.5"}  # fmt: skip
    assert not [w for w in LETTER_WORDS if w.lower() in files["README.md"].lower()]


def test_metadata_and_fair_ask_only_what_the_package_lacks(mine: Path, tmp_path: Path) -> None:
    code, out, err = run("export", "metadata", str(mine), "--output", str(tmp_path / "meta"),
                         "--risk-accepted", ACKNOWLEDGED)  # fmt: skip
    assert code == 0, err
    assert "letter" not in out + err and "[article]" not in out + err
    code, out, _ = run("fair", str(mine))
    assert "evidence: the package names no related article" in out
    assert "PASS  FsF-R1.2-01M" in out
    assert "creators with affiliation and the creation date of the package" in out
    assert "letter" not in out.lower()


def test_the_letters_bundle_still_cites_the_letter(tmp_path: Path) -> None:
    files = bundle(REPO, tmp_path, CONSENT)
    assert "Cite the letter:" in files["README.md"] and "data/raw/table1.tsv" in files
    assert "twelve episodes in ten patients" in files["README.md"]
    dataset = json.loads(files["schema-org.jsonld"])
    assert dataset["isBasedOn"]["name"].startswith("Management and outcome")


def test_the_letters_package_with_another_centres_episodes_is_not_released(
    package: Path, cases: Path, tmp_path: Path
) -> None:
    # The improvised package: the shipped one copied and its episodes replaced. Its
    # bundle would carry the letter's title, Table I and inferred cells about patients who are
    # not in the data.
    (package / "data" / "episodes.csv").write_bytes(cases.read_bytes())
    target = tmp_path / "improvised.zip"
    code, _, err = run("export", "supplement", str(package), "--output", str(target),
                         "--risk-accepted", ACKNOWLEDGED)  # fmt: skip
    assert code == 1 and not target.exists() and "Traceback" not in err
    assert "carries Table I of the letter" in err and "its episodes are not the letter's" in err
    assert "patient(s) 1, 2, 3, 4, 5, ... are in one and not the other" in err
    assert "`dahpkg init DIR --from FILE" in err


def test_the_letters_package_missing_an_inferred_patient_is_not_released(
    package: Path, tmp_path: Path
) -> None:
    header, rows = read_rows(package / "data" / "episodes.csv")
    write_rows(package / "data" / "episodes.csv", header,
               [r for r in rows if r["patient_id"] != "9"])  # fmt: skip
    code, _, err = run("export", "csv", str(package), "--output", str(tmp_path / "e.csv"),
                       "--risk-accepted", CONSENT)  # fmt: skip
    assert code == 1 and "patient(s) 9 are in one and not the other" in err
