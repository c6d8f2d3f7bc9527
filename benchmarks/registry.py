"""A synthetic registry of DAH episodes that follows the data dictionary.

Rule-valid by construction, with a realistic mix of diagnoses, treatments and relapses; with
``--fault-rate`` a known set of cells is corrupted, one rule per corrupted row and at most one
corrupted row per patient, so that the exact failure count of every rule is known in advance
(written beside the CSV as ``expected.json``).

    python benchmarks/registry.py 1000000 --fault-rate 0.01 --output /tmp/registry
"""

from __future__ import annotations

import argparse
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
AAV = np.array(["GPA", "MPA", "EGPA"])


def generate(n: int, seed: int = 2025) -> pd.DataFrame:
    """``n`` rule-valid episodes (about 15% of patients relapse once)."""
    rng = np.random.default_rng(seed)
    patients = int(np.ceil(n / 1.15))
    relapsing = np.zeros(patients, dtype=bool)
    relapsing[rng.choice(patients, size=n - patients, replace=False)] = True

    sex = rng.choice(["F", "M"], patients, p=[0.7, 0.3])
    race = rng.choice(["White", "Black", "Asian"], patients, p=[0.7, 0.2, 0.1])
    diagnosis = rng.choice(["GPA", "MPA", "EGPA", "SLE"], patients, p=[0.3, 0.1, 0.1, 0.5])
    sle = diagnosis == "SLE"
    aps = sle & (rng.random(patients) < 0.6)
    age_dx = rng.integers(15, 86, patients)
    inaugural = rng.random(patients) < np.where(sle, 0.2, 0.9)
    age_first = np.where(inaugural, age_dx, np.minimum(age_dx + rng.integers(0, 21, patients), 120))
    # A relapse within the year is common; allow the same age to keep inaugural-age faults clean.
    age_relapse = np.minimum(age_first + rng.integers(0, 4, patients), 120)

    # One row per episode: every patient's first episode, then the relapses.
    pid = np.concatenate([np.arange(patients), np.flatnonzero(relapsing)])
    episode = np.concatenate([np.ones(patients, int), np.full(relapsing.sum(), 2)])
    order = np.lexsort((episode, pid))
    pid, episode = pid[order], episode[order]
    first = episode == 1
    m = len(pid)

    def flag(p: float) -> np.ndarray:
        return rng.random(m) < p

    icu = flag(0.55)
    frame = pd.DataFrame({
        "patient_id": pid + 1,
        "episode": episode,
        "sex": sex[pid],
        "race": race[pid],
        "tobacco_exposure": (rng.random(patients) < 0.3)[pid],
        "diagnosis": diagnosis[pid],
        "aps": aps[pid],
        "age_at_diagnosis": age_dx[pid],
        "age_at_dah": np.where(first, age_first[pid], age_relapse[pid]),
        "dah_inaugural": inaugural[pid] & first,
        "fever": flag(0.5), "dyspnoea": flag(0.7), "haemoptysis": flag(0.5),
        "cough": flag(0.5), "chest_pain": flag(0.1),
        "haemoglobin_drop": np.where(flag(0.05), None, flag(0.85)),
        "polyneuropathy": flag(0.05), "mononeuropathy_multiplex": flag(0.05),
        "proteinuria": flag(0.25), "rpgn": flag(0.15), "sars_cov2_infection": flag(0.05),
        "mas": flag(0.05) & sle[pid],
        "oral_gc": np.ones(m, bool), "iv_gc": flag(0.8), "cyclophosphamide": flag(0.75),
        "plasma_exchange": flag(0.4), "ivig": flag(0.3) & (sle | aps)[pid],
        "imv": flag(0.4) & icu, "icu": icu, "antibiotics": flag(0.8),
        # Patients who relapse survived their first episode.
        "survival_1y": np.where(first & relapsing[pid], True, flag(0.9)),
    })  # fmt: skip
    return frame


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the CSV writes it: true/false, empty cell for missing."""
    text = frame.astype(object).where(frame.notna(), "")
    for column in frame.columns:
        values = frame[column]
        if values.dtype == bool or values.dropna().map(type).eq(bool).all():
            text[column] = values.map({True: "true", False: "false"}).fillna("")
    return text.astype(str)


# Each fault: the rule it breaks, which rows may take it without touching another rule, and the
# edit. ``single`` is True for patients with one episode; ``relapse`` for second episodes.
Fault = tuple[
    str, Callable[[pd.DataFrame, pd.Series], pd.Series], Callable[[pd.DataFrame, np.ndarray], None]
]


def _set(column: str, value: str) -> Callable[[pd.DataFrame, np.ndarray], None]:
    def edit(text: pd.DataFrame, rows: np.ndarray) -> None:
        text.loc[rows, column] = value

    return edit


def faults(frame: pd.DataFrame) -> list[Fault]:
    relapse = frame["episode"] == 2
    first_age = frame.groupby("patient_id")["age_at_dah"].transform("first")

    def younger_relapse(text: pd.DataFrame, rows: np.ndarray) -> None:
        text.loc[rows, "age_at_dah"] = (first_age[rows] - 1).astype(str)

    def below_diagnosis(text: pd.DataFrame, rows: np.ndarray) -> None:
        text.loc[rows, "age_at_dah"] = (frame.loc[rows, "age_at_diagnosis"] - 1).astype(str)

    def death_before(text: pd.DataFrame, rows: np.ndarray) -> None:
        text.loc[rows - 1, "survival_1y"] = "false"  # the first episode, one row above

    def flip_sex(text: pd.DataFrame, rows: np.ndarray) -> None:
        text.loc[rows, "sex"] = np.where(frame.loc[rows, "sex"] == "F", "M", "F")

    not_inaugural = ~frame["dah_inaugural"]
    return [
        ("schema-type", lambda f, s: pd.Series(True, f.index), _set("antibiotics", "maybe")),
        ("schema-type", lambda f, s: s & ~f["dah_inaugural"], _set("age_at_diagnosis", "fifty")),
        # Marked here, written by write_package: one cell too many on the row.
        ("schema-extra-cell", lambda f, s: pd.Series(True, f.index), _set("__extra__", "x")),
        ("schema-range", lambda f, s: s & not_inaugural, _set("age_at_dah", "130")),
        ("schema-required", lambda f, s: pd.Series(True, f.index), _set("survival_1y", "")),
        ("schema-category", lambda f, s: s, _set("race", "Other")),
        ("schema-primary-key", lambda f, s: relapse, _set("episode", "1")),
        ("ivig-sle-aps", lambda f, s: f["diagnosis"].isin(AAV), _set("ivig", "true")),
        ("imv-needs-icu", lambda f, s: ~f["icu"], _set("imv", "true")),
        ("inaugural-first-episode",
         lambda f, s: relapse & (f["age_at_dah"] == f["age_at_diagnosis"]),
         _set("dah_inaugural", "true")),
        ("patient-constant", lambda f, s: relapse, flip_sex),
        ("relapse-age-order",
         lambda f, s: relapse & (first_age > f["age_at_diagnosis"])
         & (f["age_at_dah"] >= first_age),
         younger_relapse),
        ("age-dah-after-diagnosis", lambda f, s: s & not_inaugural & (f["age_at_diagnosis"] > 0),
         below_diagnosis),
        ("episode-numbering", lambda f, s: s & not_inaugural, _set("episode", "2")),
        ("survival-after-death", lambda f, s: relapse & f["survival_1y"], death_before),
        ("oral-gc-every-episode", lambda f, s: pd.Series(True, f.index), _set("oral_gc", "false")),
    ]  # fmt: skip


def corrupt(frame: pd.DataFrame, rate: float, seed: int = 7) -> tuple[pd.DataFrame, dict[str, int]]:
    """The CSV text of ``frame`` with ``rate`` of its rows broken, and the count per rule."""
    rng = np.random.default_rng(seed)
    text = as_text(frame)
    kinds = faults(frame)
    per_kind = round(rate * len(frame)) // len(kinds)
    used = np.zeros(frame["patient_id"].max() + 1, dtype=bool)
    single = frame.groupby("patient_id")["episode"].transform("size") == 1
    expected: dict[str, int] = {}
    for rule, candidates, edit in kinds:
        mask = candidates(frame, single).to_numpy() & ~used[frame["patient_id"].to_numpy()]
        choice = np.flatnonzero(mask)
        rows = np.sort(rng.choice(choice, size=min(per_kind, len(choice)), replace=False))
        edit(text, rows)
        used[frame.loc[rows, "patient_id"].to_numpy()] = True
        expected[rule] = expected.get(rule, 0) + len(rows)
    return text, expected


def write_package(text: pd.DataFrame, target: Path) -> Path:
    """A data package holding only the episode table, with the shipped schema.

    Rows marked in the column ``__extra__`` get that text as one cell more than the header.
    """
    (target / "data").mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "schema", target / "schema", dirs_exist_ok=True)
    descriptor = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] == "episodes"]
    (target / "datapackage.json").write_text(json.dumps(descriptor, indent=2), encoding="utf-8")
    extra = text.pop("__extra__") if "__extra__" in text else None
    csv_text = text.to_csv(index=False, lineterminator="\n")
    if extra is not None:
        lines = csv_text.split("\n")
        for position in np.flatnonzero(extra.fillna("").to_numpy() != ""):
            lines[position + 1] += "," + extra.iat[position]
        csv_text = "\n".join(lines)
    (target / "data" / "episodes.csv").write_text(csv_text, encoding="utf-8")
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("episodes", type=int)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    frame = generate(args.episodes, args.seed)
    text, expected = corrupt(frame, args.fault_rate) if args.fault_rate else (as_text(frame), {})
    write_package(text, args.output)
    (args.output / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    print(f"{len(text)} episodes written to {args.output}; faults: {sum(expected.values())}")


if __name__ == "__main__":
    main()
