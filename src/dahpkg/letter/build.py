"""Rebuild the tidy episode table from Table I as printed, byte for byte and reproducibly.

`build_tables` turns ``data/raw/table1.tsv`` into the text of ``data/episodes.csv`` and of
``data/inferences.csv`` (every blank cell of Table I that was filled, with its reason).
`build` writes both, or with ``check=True`` only reports whether the files on disk differ.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dahpkg import _atomic
from dahpkg.errors import BuildError, InputError
from dahpkg.letter import layout
from dahpkg.letter.scope import require_letter
from dahpkg.package import DESCRIPTOR, TableSchema, open_package

Value = int | bool | str | None


@dataclass(frozen=True)
class Inference:
    """A cell that Table I leaves blank, the value written for it, and why."""

    patient_id: int
    episode: int
    column: str
    value: str
    basis: str


@dataclass(frozen=True)
class BuiltFile:
    """One generated file: where it goes, its content, and whether the disk copy differs."""

    path: Path
    content: str
    changed: bool


def build(root: str | Path = ".", *, check: bool = False) -> list[BuiltFile]:
    """Regenerate the episode and inference tables of the package at ``root`` from Table I.

    With ``check`` nothing is written; each returned file says whether it differs on disk.
    """
    root = Path(root)
    if not (root / DESCRIPTOR).is_file():
        raise InputError(f"{root} holds no {DESCRIPTOR}: run dahpkg build in the package folder")
    package = open_package(root)
    require_letter(
        package,
        "build",
        "it rebuilds the episode table from Table I as printed in the letter",
        f"its episode table is the data themselves; check it with `dahpkg validate {root}`",
    )
    paths = {name: package.resource_path(name) for name in ("table1", "episodes", "inferences")}
    for name, path in paths.items():
        if path is None:
            raise InputError(f"{package.name} has no '{name}' resource with a path")
    where = package.resource_path("inferences", "schema") or "the Table Schema of inferences"
    inference_schema = TableSchema.from_descriptor(
        package.resource_schema("inferences") or {}, where=str(where)
    )
    raw = paths["table1"]
    assert raw is not None
    try:
        text = package.read_bytes(raw, what="Table I").decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{raw} is not UTF-8 text (byte {exc.start})") from None
    episodes, inferences = build_tables(text, package.schema, inference_schema)
    files = []
    for name, content in (("episodes", episodes), ("inferences", inferences)):
        path = paths[name]
        assert path is not None
        current = path.read_bytes() if path.is_file() else None
        changed = current != content.encode("utf-8")
        if changed and not check:
            _atomic.write_text(path, content)
        files.append(BuiltFile(path, content, changed))
    return files


def build_tables(
    table1: str, schema: TableSchema, inference_schema: TableSchema
) -> tuple[str, str]:
    """The CSV text of the episode table and of the inference table, built from Table I."""
    rows: list[dict[str, Value]] = []
    inferences: list[Inference] = []
    for record in _episodes(table1, inferences):
        rows.append(record)
    columns = schema.names
    produced = set(rows[0]) if rows else set()
    if produced != set(columns):
        raise BuildError(
            "Table I mapping and schema disagree on the columns: "
            f"schema only {sorted(set(columns) - produced)}, mapping only "
            f"{sorted(produced - set(columns))}"
        )
    episodes = _csv(columns, ([_cell(r[c]) for c in columns] for r in rows))
    inference_rows = (
        [str(i.patient_id), str(i.episode), i.column, i.value, i.basis] for i in inferences
    )
    return episodes, _csv(inference_schema.names, inference_rows)


def _csv(header: tuple[str, ...], rows: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _cell(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _episodes(table1: str, inferences: list[Inference]) -> Iterator[dict[str, Value]]:
    reader = csv.reader(io.StringIO(table1), delimiter="\t")
    header = next(reader, None)
    expected = list(layout.PRINTED_COLUMNS)
    if header is None or header != expected:
        raise BuildError(f"Table I header differs from the printed layout: {header}")
    first: dict[str, Value] | None = None
    episode = 0
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(header):
            raise BuildError(f"Table I row {line} has {len(cells)} cells, expected {len(header)}")
        printed = dict(zip(header, cells, strict=True))
        relapse = printed[layout.ID] == ""
        record: dict[str, Value] = {}
        if relapse:
            if first is None:
                raise BuildError(f"Table I row {line}: a relapse row before any patient row")
            filled = [c for c in layout.PATIENT_LEVEL if printed[c] != ""]
            if filled:
                raise BuildError(f"Table I row {line}: a relapse row with patient cells {filled}")
            episode += 1
        else:
            episode = 1
        if relapse and first is not None:
            record.update({k: first[k] for ks in layout.PATIENT_LEVEL.values() for k in ks})
        else:
            record.update(_patient_cells(printed, line))
        record["episode"] = episode
        record.update(_episode_cells(printed, line))
        patient = int(str(record["patient_id"]))
        if relapse:
            for columns in layout.PATIENT_LEVEL.values():
                for column in columns:
                    inferences.append(
                        Inference(
                            patient,
                            episode,
                            column,
                            _cell(record[column]),
                            layout.RELAPSE_ROW_BASIS,
                        )
                    )
        same_admission = patient in layout.SAME_ADMISSION_RELAPSES
        if relapse and first is not None and same_admission and record["age_at_dah"] is None:
            record["age_at_dah"] = first["age_at_dah"]
            inferences.append(
                Inference(
                    patient,
                    episode,
                    "age_at_dah",
                    _cell(record["age_at_dah"]),
                    layout.SAME_ADMISSION_RELAPSES[patient],
                )
            )
        if not relapse:
            first = record
        yield record


def _integer(text: str, line: int, column: str) -> int | None:
    if text == "":
        return None
    if not text.isdigit():
        raise BuildError(f"Table I row {line}, {column}: '{text}' is not a whole number")
    return int(text)


def _yes_no(text: str, line: int, column: str, tidy: str) -> bool | None:
    if text in layout.SYMBOLS:
        return layout.SYMBOLS[text]
    if text == layout.NOT_RECORDED and tidy in layout.MAY_BE_NOT_RECORDED:
        return None
    raise BuildError(f"Table I row {line}, {column}: '{text}' is not ✓ or X")


def _patient_cells(printed: dict[str, str], line: int) -> dict[str, Value]:
    diagnosis = printed[layout.DIAGNOSIS]
    aps = diagnosis.endswith(layout.APS_SUFFIX)
    return {
        "patient_id": _integer(printed[layout.ID], line, layout.ID),
        "sex": printed["Sex"],
        "race": printed["Race"],
        "tobacco_exposure": _yes_no(
            printed["Tobacco exposure"], line, "Tobacco exposure", "tobacco_exposure"
        ),
        "diagnosis": diagnosis.removesuffix(layout.APS_SUFFIX),
        "aps": aps,
        "age_at_diagnosis": _integer(printed["Age diagnosis (years)"], line, "Age diagnosis"),
    }


def _episode_cells(printed: dict[str, str], line: int) -> dict[str, Value]:
    record: dict[str, Value] = {
        "age_at_dah": _integer(printed[layout.AGE_DAH], line, layout.AGE_DAH),
    }
    for column, tidy in layout.YES_NO.items():
        if column in layout.PATIENT_LEVEL:
            continue
        record[tidy] = _yes_no(printed[column], line, column, tidy)
    record.update(
        _terms(
            printed[layout.SYMPTOMS],
            layout.SYMPTOM_SEPARATOR,
            layout.SYMPTOM_TERMS,
            line,
            layout.SYMPTOMS,
            layout.ASYMPTOMATIC,
        )
    )
    record.update(
        _terms(
            printed[layout.MANIFESTATIONS],
            layout.MANIFESTATION_SEPARATOR,
            layout.MANIFESTATION_TERMS,
            line,
            layout.MANIFESTATIONS,
            "",
        )
    )
    return record


def _terms(
    text: str, separator: str, vocabulary: dict[str, str], line: int, column: str, none: str
) -> dict[str, Value]:
    result: dict[str, Value] = dict.fromkeys(vocabulary.values(), False)
    if text.strip().lower() == none:
        return result
    for term in (t.strip() for t in text.split(separator)):
        key = term.lower()
        if key not in vocabulary:
            raise BuildError(f"Table I row {line}, {column}: unknown term '{term}'")
        result[vocabulary[key]] = True
    return result
