"""The REDCap benchmark's export of a synthetic registry comes back through the import as the
registry's own CSV, relapses and all."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from dahpkg.package import shipped_schema
from dahpkg.redcap import dictionary_csv, import_redcap, write_episodes

from support.helpers import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import registry
from redcap_import import to_export


@pytest.mark.parametrize("labels", [False, True], ids=["raw", "labels"])
def test_a_registry_makes_the_round_trip(tmp_path: Path, labels: bool) -> None:
    text = registry.as_text(registry.generate(3000))
    package = registry.write_package(text, tmp_path / "registry")
    dictionary = tmp_path / "dictionary.csv"
    dictionary.write_bytes(dictionary_csv(shipped_schema()))
    export = tmp_path / "export.csv"
    schema = package / "schema" / "episodes.schema.json"
    export.write_text(to_export(text, dictionary, schema, labels=labels), encoding="utf-8")
    imported = import_redcap(export, dictionary)
    relapses = int((text["episode"] == "2").sum())
    assert imported.complete and relapses > 300
    assert imported.rows == 3000 + imported.records and len(imported.episodes) == 3000
    pd.testing.assert_frame_equal(imported.episodes, text.reset_index(drop=True))
    out = tmp_path / "episodes.csv"
    assert write_episodes(imported, out).valid
    assert out.read_bytes() == (package / "data" / "episodes.csv").read_bytes()
