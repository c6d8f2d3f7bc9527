"""The episode table as Parquet: typed columns, categories kept."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from dahpkg.export.release import Prepared


def write(prepared: Prepared, suffix: str = ".parquet") -> bytes:
    """The format registry's writer."""
    return to_parquet(prepared.episodes)


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet with pandas' nullable dtypes and categories kept (pyarrow)."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False)
    return buffer.getvalue()
