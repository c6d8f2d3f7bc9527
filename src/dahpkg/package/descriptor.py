"""JSON files of a package (its descriptor, its Table Schemas) and the paths they name.

Every way reading one can fail becomes an `InputError` that names the file, and every path a
descriptor names is checked here before a file is opened.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

from dahpkg.errors import InputError
from dahpkg.limits import load_json

DESCRIPTOR = "datapackage.json"


def read_bytes(path: Path, *, what: str) -> bytes:
    """The bytes of ``path``; `InputError` naming ``what`` when it cannot be read."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{what} is a folder, not a file: {path}") from None
    except OSError as exc:
        raise InputError(f"{what} cannot be read: {path} ({exc.strerror})") from None


def parse_json(data: bytes, path: Path, *, what: str) -> dict[str, Any]:
    """The JSON object in ``data`` (the bytes of ``path``), or an `InputError`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{what} is not UTF-8 text: {path} (byte {exc.start})") from None
    try:
        value = load_json(text, f"{what} {path}")
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{what} is not valid JSON: {path}, line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    if not isinstance(value, dict):
        raise InputError(f"{what} must be a JSON object: {path}")
    return value


def safe_relative(value: Any, descriptor: Path, key: str, resource: str) -> str:
    """``value`` if it is a path a resource may name: relative, POSIX, inside the package.

    >>> safe_relative("data/episodes.csv", Path("datapackage.json"), "path", "episodes")
    'data/episodes.csv'
    """
    # Data Package paths are POSIX and relative; anything else could read outside the package.
    if isinstance(value, list):
        raise InputError(
            f"the '{resource}' resource of {descriptor} has a multipart {key}; "
            "dahpkg reads a single file: join the parts into one"
        )
    if not isinstance(value, str) or not value:
        raise InputError(f"the '{resource}' resource of {descriptor} has no {key}")
    pure = PurePosixPath(value)
    if pure.is_absolute() or ".." in pure.parts or "\\" in value or ":" in value:
        raise InputError(f"unsafe {key} in {descriptor}: {value!r} must be relative to the package")
    return value
