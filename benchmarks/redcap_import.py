"""Benchmark: `dahpkg import redcap` on the REDCap export of a large registry.

Generates a valid synthetic registry (`registry.py`), writes the REDCap data dictionary with
`dahpkg template --format redcap`, and writes the registry as REDCap exports a project built
from that dictionary: one row per patient (the patient instrument), one per DAH episode (an
instance of the repeating dah_episode instrument), a column per checkbox option. Then it runs,
each in its own process and on the same episodes, `dahpkg import redcap` and `dahpkg validate`
(best of N each), prints wall time and peak memory, and checks that the episode table the
import wrote is the registry's CSV byte for byte. Exits 1 if not, or if a command fails.

    python benchmarks/redcap_import.py                      # 100,000 episodes, raw codes
    python benchmarks/redcap_import.py --episodes 20000 --labels

`to_export` is also what the tests build their REDCap exports with: it reads the dictionary
with the csv module and the schema as JSON, not through dahpkg, so that a round trip through
it checks dahpkg's reading of REDCap against an independent writing of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import registry
from run import best_of, machine, versions

NAME, FORM, TYPE = "Variable / Field Name", "Form Name", "Field Type"
CHOICES = "Choices, Calculations, OR Slider Labels"
REPEAT = ["redcap_repeat_instrument", "redcap_repeat_instance"]


def to_export(
    episodes: pd.DataFrame,
    dictionary: Path,
    schema: Path,
    *,
    labels: bool = False,
    repeats: bool = True,
    instrument: str | None = None,
) -> str:
    """The episode table ``episodes`` (text, as data/episodes.csv holds it) as the flat CSV
    record export of a REDCap project built from ``dictionary``: raw codes, or with ``labels``
    the labels REDCap writes (Yes/No, choice labels, Checked/Unchecked). With ``repeats`` each
    episode is an instance of the repeating instrument (named ``instrument`` in the export,
    by default its form name); without, every record has one row holding its one episode."""
    with dictionary.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    described = json.loads(schema.read_text(encoding="utf-8"))
    fields = {f["name"]: f for f in described["fields"]}
    record_id = rows[0][NAME]
    forms = list(dict.fromkeys(r[FORM] for r in rows))
    instance = next(k for k in described["primaryKey"] if k not in {r[NAME] for r in rows})
    first = episodes.drop_duplicates(record_id)

    def cells(form: str, frame: pd.DataFrame) -> dict[str, pd.Series]:
        out: dict[str, pd.Series] = {}
        for row in (r for r in rows if r[FORM] == form and r[NAME] != record_id):
            name, kind = row[NAME], row[TYPE]
            options = [
                tuple(p.strip() for p in part.split(",", 1))
                for part in row[CHOICES].split("|")
                if part.strip()
            ]
            if kind == "yesno":
                spelt = {"true": "Yes", "false": "No"} if labels else {"true": "1", "false": "0"}
                out[name] = frame[name].map(spelt).fillna("")
            elif kind == "radio":
                named = {c["value"]: c.get("label", c["value"]) for c in fields[name]["categories"]}
                coded = {label: code for code, label in options}
                out[name] = (
                    frame[name]
                    .map(named if labels else {v: coded[n] for v, n in named.items()})
                    .fillna("")
                )
            elif kind == "checkbox":
                ticked = (
                    {"true": "Checked", "false": "Unchecked"}
                    if labels
                    else {"true": "1", "false": "0"}
                )
                for code, _ in options:  # REDCap lower-cases a code in the column's name
                    column = f"{name}___{code.lower().replace('-', '_')}"
                    out[column] = frame[code].map(ticked)
            else:
                out[name] = frame[name]
        status = "Complete" if labels else "2"
        out[f"{form}_complete"] = pd.Series(status, index=frame.index)
        return out

    if not repeats:
        if len(first) != len(episodes):
            raise ValueError("without repeats, every record has one episode")
        table = pd.DataFrame(
            {
                record_id: episodes[record_id],
                **cells(forms[0], episodes),
                **cells(forms[1], episodes),
            }
        )
        return table.to_csv(index=False, lineterminator="\n")
    patient = pd.DataFrame(
        {record_id: first[record_id], REPEAT[0]: "", REPEAT[1]: "", **cells(forms[0], first)}
    )
    episode = pd.DataFrame(
        {
            record_id: episodes[record_id],
            REPEAT[0]: instrument or forms[1],
            REPEAT[1]: episodes[instance],
            **cells(forms[1], episodes),
        }
    )
    table = pd.concat([patient, episode], ignore_index=True).fillna("")
    order = pd.Index(pd.unique(episodes[record_id]))
    number = pd.to_numeric(table[REPEAT[1]], errors="coerce").fillna(0).to_numpy()
    table = table.iloc[np.lexsort((number, order.get_indexer(table[record_id])))]
    return table.to_csv(index=False, lineterminator="\n")


def run(episodes: int, runs: int, labels: bool, workdir: Path) -> int:
    print(f"# dahpkg import redcap benchmark: {episodes:,} episodes", flush=True)
    print(f"machine: {machine()}; {versions()}\n", flush=True)
    text = registry.as_text(registry.generate(episodes))
    package = registry.write_package(text, workdir / "registry")
    dictionary = workdir / "dictionary.csv"
    dahpkg = [sys.executable, "-m", "dahpkg"]
    best_of(1, "template", [*dahpkg, "template", "--format", "redcap", "-o", str(dictionary)])
    export = workdir / "export.csv"
    export.write_text(
        to_export(text, dictionary, package / "schema" / "episodes.schema.json", labels=labels),
        encoding="utf-8",
    )
    output = workdir / "episodes.csv"
    imported = best_of(
        runs,
        "dahpkg import redcap",
        [
            *dahpkg,
            "import",
            "redcap",
            str(export),
            "--dictionary",
            str(dictionary),
            "-o",
            str(output),
            "--force",
        ],
    )
    validate = best_of(runs, "dahpkg validate", [*dahpkg, "validate", str(package), "--quiet"])
    print(
        f"export: {export.stat().st_size / 1e6:.1f} MB, "
        f"{sum(1 for _ in export.open()) - 1:,} rows ({'labels' if labels else 'raw'})\n"
    )
    print("| command | wall (s) | peak RSS (MB) | exit |\n|---|---:|---:|---:|")
    for m in (imported, validate):
        print(f"| {m.what} | {m.seconds:.2f} | {m.peak_mb:.0f} | {m.exit_code} |")
    same = (
        output.is_file() and output.read_bytes() == (package / "data" / "episodes.csv").read_bytes()
    )
    print(f"\nthe table written is the registry's CSV byte for byte: {'yes' if same else 'NO'}")
    return 0 if same and imported.exit_code == 0 and validate.exit_code == 0 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="best of N for each command")
    parser.add_argument("--labels", action="store_true", help="a label export, not raw codes")
    parser.add_argument("--keep", type=Path, help="keep the generated files here")
    args = parser.parse_args()
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="dahpkg-redcap-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        code = run(args.episodes, args.runs, args.labels, workdir)
    finally:
        if args.keep is None:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
