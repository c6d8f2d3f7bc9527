"""JSON files of a package (its descriptor, its Table Schemas) and the paths they name.

Every way reading one can fail becomes an `InputError` that names the file, and every path a
descriptor names is checked here before a file is opened.
"""

from __future__ import annotations

import json
import re
import stat
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from dahpkg.errors import InputError
from dahpkg.limits import limit, load_json

DESCRIPTOR = "datapackage.json"
# The Data Package rule for a name, starting with a letter or digit so that no name is "..".
# Both become the bundle's file name NAME-VERSION-supplement.zip: they are kept short enough
# for every file system's 255 bytes.
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,39}")
NAMED = (
    (
        "name",
        NAME,
        "a package name is lower case letters, digits, '.', '-' and '_', starting "
        "with a letter or digit, at most 100 characters (e.g. im-dah-case-series)",
    ),
    (
        "version",
        VERSION,
        "a version is letters, digits, '.', '-', '+' and '_', starting with a "
        "letter or digit, at most 40 characters (e.g. 1.0.0)",
    ),
)


def read_bytes(path: Path, *, what: str, most: int | None = None) -> bytes:
    """The bytes of ``path``; `InputError` naming ``what`` when it cannot be read, is not a
    regular file (a named pipe would wait for ever), or holds more than ``most`` bytes."""
    try:
        info = Path(path).stat()
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"{what} is not a regular file (a pipe or a device?): {path}")
        if most is not None and info.st_size > most:
            raise limit("max_json_bytes").exceeded(f"{what} {path}", f"{info.st_size:,} bytes")
        with Path(path).open("rb") as handle:
            # Read no more than the bound even if the file grows meanwhile.
            data = handle.read() if most is None else handle.read(most + 1)
    except FileNotFoundError:
        raise InputError(f"{what} not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{what} is a folder, not a file: {path}") from None
    except OSError as exc:
        raise InputError(f"{what} cannot be read: {path} ({exc.strerror})") from None
    if most is not None and len(data) > most:
        raise limit("max_json_bytes").exceeded(f"{what} {path}", f"more than {most:,} bytes")
    return data


def read_json_bytes(path: Path, *, what: str) -> bytes:
    """The bytes of a JSON file of a package, refused past the JSON size bound before reading."""
    return read_bytes(path, what=what, most=limit("max_json_bytes").value())


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


def safe_relative(value: Any, where: str) -> str:
    """``value`` if it is a path a resource may name: relative, POSIX, no URL, no ``..``.

    ``where`` names the property, as messages say it ("the path of the 'episodes' resource").

    >>> safe_relative("data/episodes.csv", "the path of the 'episodes' resource")
    'data/episodes.csv'
    """
    # Data Package paths are POSIX and relative; anything else could read outside the package.
    if isinstance(value, list):
        raise InputError(f"{where} has several parts; dahpkg reads a single file: join them")
    if value is None or value == "":
        raise InputError(f"{where} is missing")
    if not isinstance(value, str):
        raise InputError(f"{where} must be a relative path as text, not {type(value).__name__}")
    pure = PurePosixPath(value)
    if "://" in value or value.lower().startswith(("data:", "file:")):
        problem = "is a URL; dahpkg never fetches one"
    elif pure.is_absolute() or "\\" in value or ":" in value:
        problem = "is an absolute or Windows path"
    elif ".." in pure.parts:
        problem = "leads outside the package"
    elif any(ord(c) < 32 or ord(c) == 127 for c in value):
        problem = "holds a control character"
    else:
        return value
    raise InputError(
        f"{where} {problem}: {value!r}. Name a file inside the package folder, relative to it"
    )


def inside(root: Path, value: Any, where: str) -> Path:
    """The file a package names, checked to lie inside the package folder ``root`` once every
    symbolic link is followed; `InputError` naming the property otherwise.

    This is the one place a path a package names becomes a file to open.
    """
    relative = safe_relative(value, where)
    path = root / relative
    try:
        resolved = path.resolve()
        outside = not resolved.is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a loop of links
        outside = True
    if outside:
        raise InputError(
            f"{where} leads outside the package through a symbolic link: {relative!r}. "
            "Copy the file into the package folder"
        )
    return path


def find_resource(descriptor: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    """The resource called ``name`` in ``descriptor``, if there is one."""
    for item in descriptor.get("resources", []):
        if isinstance(item, Mapping) and item.get("name") == name:
            return item
    return None


def resource_file(
    descriptor: Mapping[str, Any], descriptor_path: Path, name: str, key: str
) -> Path | None:
    """The file the ``key`` (``path`` or ``schema``) of the resource ``name`` names, checked by
    `inside`; None for a resource the descriptor lacks or an inline schema."""
    item = find_resource(descriptor, name)
    if item is None or (key == "schema" and not isinstance(item.get(key), str)):
        return None
    where = f"the {key} of the '{name}' resource in {descriptor_path}"
    return inside(descriptor_path.parent, item.get(key), where)


def check_names(descriptor: Mapping[str, Any], path: Path) -> None:
    """The package's name and version become file names and URL segments: both are checked
    before anything uses them."""
    from dahpkg.package.profile import check_profile

    for key, rule, what in NAMED:
        value = descriptor.get(key)
        if value is not None and not (isinstance(value, str) and rule.fullmatch(value)):
            raise InputError(f"the {key} of the package in {path} is {shown(value)}: {what}")
    # Each path first, for a message in dahpkg's words; then the whole shape, by the profile.
    for item in descriptor.get("resources") or []:
        if isinstance(item, Mapping):
            for key in ("path", "schema"):
                if key in item and (key == "path" or isinstance(item[key], str)):
                    safe_relative(
                        item[key], f"the {key} of the '{item.get('name')}' resource in {path}"
                    )
    # An inline Table Schema is checked against the tableschema profile when it is read; the
    # package profile carries an older copy of it (fieldsMatch as a list), so it is left out.
    shape = dict(descriptor)
    if isinstance(shape.get("resources"), list):
        shape["resources"] = [
            {**r, "schema": "inline.json"}
            if isinstance(r, Mapping) and isinstance(r.get("schema"), Mapping)
            else r
            for r in shape["resources"]
        ]
    check_profile(shape, "datapackage.json", f"the data package descriptor {path}")
    for key in ("contributors", "subjects", "sources"):
        items = descriptor.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
            raise InputError(f"the {key} of the package in {path} must be a list of objects")


def shown(value: Any) -> str:
    """A value as a message quotes it: printable, and short."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
