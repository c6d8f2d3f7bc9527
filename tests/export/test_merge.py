"""`dahpkg merge`: the letter's package and a second centre's, made by `dahpkg init`, pooled
into one registry (see support/centres.py for the second centre), and what the registry gives:
it validates, keeps every row and confirmation, lists its sources and creators, and `summary
--by centre` and `privacy` work on it. The refusals are in test_merge_refusals.py.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import tomllib
from collections import Counter
from pathlib import Path

import pytest

import dahpkg
from dahpkg.export import merge_packages
from dahpkg.letter.scope import is_letter_package
from dahpkg.package import open_package

from support.centres import (
    CENTRE,
    LETTER,
    REASON,
    RULES,
    SECOND,
    TITLE,
    Pooled,
    edit_json,
    letter_copy,
    make_centre,
    run,
    second_rows,
)
from support.helpers import read_rows


def test_the_registry_validates_with_every_episode_of_both_centres(pooled: Pooled) -> None:
    _, _, registry = pooled
    report = dahpkg.validate(registry)
    assert report.valid and report.count("error") == 0 and report.count("warning") == 0
    assert (report.episodes, report.patients) == (21, 17)
    frame = dahpkg.load(registry)
    assert dict(Counter(frame["centre"].astype(str))) == {LETTER: 12, SECOND: 9}
    # One registry number per centre's patient, 1..17: the letter's first, in id order.
    pairs = frame[["patient_id", "centre", "centre_patient_id"]].drop_duplicates()
    assert len(pairs) == 17 and pairs["patient_id"].is_unique
    assert sorted(pairs["patient_id"]) == list(range(1, 18))
    numbering = sorted(
        zip(
            pairs["centre"].astype(str),
            pairs["centre_patient_id"],
            pairs["patient_id"],
            strict=True,
        )
    )
    assert [n for c, _, n in numbering if c == LETTER] == list(range(1, 11))
    assert [(o, n) for c, o, n in numbering if c == SECOND] == [(i, i + 10) for i in range(1, 8)]


@pytest.mark.parametrize("centre", [LETTER, SECOND])
def test_each_centres_rows_are_carried_over_unchanged(pooled: Pooled, centre: str) -> None:
    letter, second, registry = pooled
    header, rows = read_rows(registry / "data" / "episodes.csv")
    assert header[:4] == ["patient_id", "centre", "centre_patient_id", "episode"]
    mine = [
        {**{k: v for k, v in r.items() if k not in ("patient_id", "centre")}}
        for r in rows
        if r["centre"] == centre
    ]
    for row in mine:
        row["patient_id"] = row.pop("centre_patient_id")
    source = letter if centre == LETTER else second
    theirs_header, theirs = read_rows(source / "data" / "episodes.csv")
    assert [{k: r[k] for k in theirs_header} for r in mine] == theirs


def test_the_confirmations_come_along_with_their_patients_renumbered(pooled: Pooled) -> None:
    _, _, registry = pooled
    _, rows = read_rows(registry / "data" / "confirmations.csv")
    assert rows == [
        {"patient_id": "11", "episode": "1", "rule": r, "reason": REASON} for r in RULES
    ]
    report = dahpkg.validate(registry)
    confirmed = {(c.patient_id, c.episode, c.rule) for c in report.confirmations}
    assert confirmed == {(11, 1, r) for r in RULES} and report.confirmed == 2
    # Without them the registry would fail: they are what keeps it valid.
    descriptor = registry / "datapackage.json"
    text = descriptor.read_text(encoding="utf-8")
    try:
        edit_json(descriptor, lambda d: d["resources"].pop())
        assert not dahpkg.validate(registry).valid
    finally:
        descriptor.write_text(text, encoding="utf-8")


def test_the_descriptor_lists_the_sources_with_their_checksums(pooled: Pooled) -> None:
    letter, second, registry = pooled
    descriptor = json.loads((registry / "datapackage.json").read_text(encoding="utf-8"))

    def sha(path: Path) -> str:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()

    sources = descriptor["sources"]
    assert [(s["name"], s["centre"], s["version"]) for s in sources] == [
        (LETTER, LETTER, "0.1.0"),
        (SECOND, SECOND, "0.1.0"),
    ]
    assert sources[0]["files"] == [
        {"path": "data/episodes.csv", "hash": sha(letter / "data" / "episodes.csv")}
    ]
    assert sources[1]["files"] == [
        {"path": "data/episodes.csv", "hash": sha(second / "data" / "episodes.csv")},
        {"path": "data/confirmations.csv", "hash": sha(second / "data" / "confirmations.csv")},
    ]
    shipped = json.loads((letter / "datapackage.json").read_text(encoding="utf-8"))
    assert sources[0]["title"] == shipped["title"] and sources[1]["title"] == TITLE
    assert sources[0]["sources"] == shipped["sources"]  # the letter, cited by its package
    assert descriptor["version"] == "0.1.0" and descriptor["licenses"] == shipped["licenses"]
    assert descriptor["title"].endswith("pooled from 2 centres")
    # The creators: the letter's six, then the second centre's two, each with a centre.
    people = [(c["title"], c.get("organization")) for c in descriptor["contributors"]]
    assert people == [(c["title"], c["organization"]) for c in shipped["contributors"]] + [
        ("Ana Silva", CENTRE),
        ("Rui M Morais Costa", CENTRE),
    ]
    facts = tomllib.loads((registry / "publication.toml").read_text(encoding="utf-8"))
    assert list(facts["orcid"]) == [c["familyName"] for c in descriptor["contributors"]]


def test_the_registry_is_not_the_letters_package(pooled: Pooled) -> None:
    _, _, registry = pooled
    package = open_package(registry)
    assert not is_letter_package(package)
    assert package.resource_names() == ["episodes", "confirmations"]
    assert sorted(
        p.relative_to(registry).as_posix() for p in registry.rglob("*") if p.is_file()
    ) == [
        "data/confirmations.csv",
        "data/episodes.csv",
        "datapackage.json",
        "publication.toml",
        "schema/confirmations.schema.json",
        "schema/episodes.schema.json",
    ]
    description = package.descriptor["description"]
    assert f"(inferences, table1 of {LETTER})" in description
    assert "not the letter's package" in description
    code, _, err = run("reproduce", str(registry))
    assert code == 2 and "for the letter's own package only" in err
    # Its data dictionary: the centres', without the letter's notes, and two patient fields.
    schema = json.loads((registry / "schema" / "episodes.schema.json").read_text("utf-8"))
    fields = {f["name"]: f for f in schema["fields"]}
    assert not [f for f in schema["fields"] if "letter" in f]
    centre, number = fields["centre"], fields["centre_patient_id"]
    assert (centre["type"], centre["level"], centre["privacy"]) == (
        "string",
        "patient",
        "quasi-identifier",
    )
    assert centre["constraints"] == {"required": True, "enum": [LETTER, SECOND]}
    assert [c["label"] for c in centre["categories"]][1] == TITLE
    assert (number["type"], number["level"], number["privacy"]) == (
        "integer",
        "patient",
        "pseudonym",
    )
    assert schema["primaryKey"] == ["patient_id", "episode"]


def test_summary_by_centre_counts_each_centre(pooled: Pooled) -> None:
    letter, second, registry = pooled
    code, out, err = run("summary", str(registry), "--by", "centre", "--format", "csv")
    assert code == 0, err
    table = {(r["variable"], r["group"]): r for r in csv.DictReader(io.StringIO(out))}
    for centre, source in ((LETTER, letter), (SECOND, second)):
        _, rows = read_rows(source / "data" / "episodes.csv")
        icu = table[("ICU admission", centre)]
        assert (icu["n"], icu["denominator"]) == (
            str(sum(r["icu"] == "true" for r in rows)),
            str(len(rows)),
        )
        female = table[("Female", centre)]
        patients = {r["patient_id"]: r for r in rows}.values()
        assert (female["n"], female["denominator"]) == (
            str(sum(p["sex"] == "F" for p in patients)),
            str(len(patients)),
        )
    assert table[("ICU admission", "Overall")]["denominator"] == "21"
    code, text, _ = run("summary", str(registry), "--by", "centre")
    assert f"{LETTER} (patients 10, episodes 12)" in text
    assert f"{SECOND} (patients 7, episodes 9)" in text


def test_privacy_counts_the_centre_as_a_quasi_identifier(pooled: Pooled) -> None:
    _, _, registry = pooled
    code, out, _ = run("privacy", str(registry), "--format", "json")
    report = json.loads(out)
    assert code == 1 and report["risk"]["k"] == 1  # 17 patients, each unique
    assert report["quasi_identifiers"][0] == "Centre"
    assert report["direct_identifiers"] == []
    centre = next(d for d in report["drivers"] if d["attribute"].startswith("Centre"))
    assert centre["k"] == 7  # the smaller centre's patients


def test_the_centre_may_come_from_the_title(tmp_path: Path, pooled: Pooled) -> None:
    letter, second, _ = pooled
    made = merge_packages(
        [letter, second],
        tmp_path / "by-title",
        centre_from="title",
        title="DAH registry, two centres",
        name="dah-registry",
    )
    shipped = json.loads((letter / "datapackage.json").read_text(encoding="utf-8"))
    assert made.name == "dah-registry" and made.confirmations == 2
    assert [c for c, _, _ in made.centres] == [shipped["title"], TITLE]
    assert set(dahpkg.load(made.root)["centre"].astype(str)) == {shipped["title"], TITLE}
    assert dahpkg.validate(made.root).valid


def test_creators_of_two_centres_are_united_once(tmp_path: Path) -> None:
    header, rows = second_rows()
    make_centre(
        tmp_path / "third",
        (header, rows[:5]),
        title="DAH at Hospital Terceiro",
        authors=("Abreu, Catarina", "Sousa, S"),
        centre="Hospital Terceiro",
    )
    # Same name, different ORCID iDs: two people; same name, one iD unknown: one person.
    edit_toml = tmp_path / "third" / "publication.toml"
    edit_toml.write_text(
        edit_toml.read_text(encoding="utf-8")
        .replace('"Sousa" = ""', '"Sousa" = "0000-0002-1825-0097"')
        .replace('"Abreu" = ""', '"Abreu" = "0000-0003-1415-9269"'),
        encoding="utf-8",
    )
    mine = letter_copy(tmp_path / "letter")
    facts = mine / "publication.toml"
    facts.write_text(
        facts.read_text(encoding="utf-8").replace('Sousa = ""', 'Sousa = "0000-0001-5109-3700"'),
        encoding="utf-8",
    )
    made = merge_packages([mine, tmp_path / "third"], tmp_path / "registry")
    descriptor = json.loads((made.root / "datapackage.json").read_text(encoding="utf-8"))
    people = [(c["title"], c["roles"], c["organization"]) for c in descriptor["contributors"]]
    abreu = [p for p in people if p[0] == "Catarina Abreu"]
    assert len(abreu) == 1 and abreu[0][1] == ["creator", "contact"]
    assert abreu[0][2].endswith("; Hospital Terceiro")
    # "S Sousa" (the third's title) is the letter's "Sousa S" by name, but not by iD.
    assert [p[0] for p in people][-1] == "S Sousa" and len(people) == 6 + 1
    assert "0000-0002-1825-0097" in (tmp_path / "third" / "publication.toml").read_text()
    orcid = tomllib.loads((made.root / "publication.toml").read_text("utf-8"))["orcid"]
    assert orcid["Sousa"] == ""  # two people called Sousa: no iD by family name
    assert orcid["Abreu"] == "0000-0003-1415-9269"  # one person, the iD one centre knows


def test_an_existing_registry_is_replaced_only_with_force(tmp_path: Path, pooled: Pooled) -> None:
    letter, second, _ = pooled
    target = tmp_path / "registry"
    target.mkdir()
    (target / "notes.txt").write_text("ours", encoding="utf-8")
    args = ["merge", str(letter), str(second), "--output", str(target)]
    code, _, err = run(*args)
    assert code == 2 and "is not empty" in err
    assert [p.name for p in target.iterdir()] == ["notes.txt"]
    code, _, err = run(*args, "--force")
    assert code == 0, err
    assert dahpkg.validate(target).valid and (target / "notes.txt").read_text() == "ours"
    code, _, err = run("merge", str(letter), str(second), "--output", str(second), "--force")
    assert code == 2 and "one of the packages to pool" in err


def test_force_never_replaces_a_centre_s_package(tmp_path: Path, pooled: Pooled) -> None:
    """A copy of a centre's package (not one of the sources) is no registry: --force wrote the
    registry over its episodes and descriptor."""
    letter, second, _ = pooled
    copy = tmp_path / "copy-of-second"
    shutil.copytree(second, copy)
    before = {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()}
    code, _, err = run("merge", str(letter), str(second), "--output", str(copy), "--force")
    assert code == 2 and "not a registry made by `dahpkg merge`" in err and "Traceback" not in err
    assert {p: p.read_bytes() for p in copy.rglob("*") if p.is_file()} == before
    (copy / "datapackage.json").write_text("{", encoding="utf-8")  # nor one it cannot read
    code, _, err = run("merge", str(letter), str(second), "--output", str(copy), "--force")
    assert code == 2 and "not a registry" in err
    registry = tmp_path / "registry"
    for _ in range(2):  # a registry made before is replaced
        code, _, err = run("merge", str(letter), str(second), "--output", str(registry), "--force")
        assert code == 0, err
