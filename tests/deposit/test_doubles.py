"""The repository doubles stay readable: split by job, each module within the project's ~400
lines, every name the tests import still found where they import it."""

from __future__ import annotations

from pathlib import Path

import support.dataverse_double as dataverse_double

SUPPORT = Path(__file__).resolve().parents[1] / "support"
MOST_LINES = 400


def test_the_dataverse_double_is_split_by_job() -> None:
    modules = sorted(SUPPORT.glob("dataverse_*.py"))
    sizes = {p.name: len(p.read_text(encoding="utf-8").splitlines()) for p in modules}
    assert {"dataverse_double.py", "dataverse_http.py", "dataverse_metadata.py"} <= set(sizes)
    assert all(n <= MOST_LINES for n in sizes.values()), sizes
    # The names the tests and dataverse_session.py import from support.dataverse_double.
    used = {"COLLECTION", "GUEST_TOKEN", "TOKEN", "Dataset", "DataverseDouble"}
    assert used <= set(dataverse_double.__all__)
    assert all(hasattr(dataverse_double, name) for name in dataverse_double.__all__)
