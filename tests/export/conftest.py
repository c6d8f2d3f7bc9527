"""The registry the tests of `dahpkg merge` share, pooled once per test module."""

from __future__ import annotations

import pytest

from support.centres import LETTER, SECOND, Pooled, make_centre, run, second_rows
from support.helpers import REPO


@pytest.fixture(scope="module")
def pooled(tmp_path_factory: pytest.TempPathFactory) -> Pooled:
    """The letter's package, the second centre's, and the registry pooled from both."""
    tmp = tmp_path_factory.mktemp("merge")
    second = make_centre(tmp / "second", second_rows())
    registry = tmp / "registry"
    code, out, err = run("merge", str(REPO), str(second), "--output", str(registry))
    assert code == 0, err
    assert "21 episodes of 17 patients from 2 centres" in out
    assert f"{LETTER}: 12 episodes of 10 patients" in out
    assert f"{SECOND}: 9 episodes of 7 patients" in out
    assert "2 confirmed exception(s) carried over" in out
    assert f"Not pooled, left in {LETTER}: inferences, table1." in out
    return REPO, second, registry
