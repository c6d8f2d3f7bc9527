"""Bounds on what dahpkg reads from files and servers it did not make.

A small file can inflate to gigabytes (a zip bomb, a cell of a million characters, a header of a
hundred thousand columns, JSON nested ten thousand deep) and a server can answer slowly or without
end. Each bound here has a default that the letter's data and a large registry sit far below, a
name users can set in the environment to move it for a file they trust, and one way to refuse:
an `InputError` (exit 2) that says which bound was hit and how to raise it.

SECURITY.md lists them (its table is generated from `LIMITS` and checked by the tests).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from dahpkg.errors import InputError


@dataclass(frozen=True)
class Limit:
    """One bound: its environment variable, default, unit and what it protects."""

    name: str
    default: int
    unit: str
    what: str
    why: str = ""  # what the default is measured against

    @property
    def variable(self) -> str:
        return f"DAHPKG_{self.name.upper()}"

    def value(self) -> int:
        """The bound in force: the environment's, else the default."""
        given = os.environ.get(self.variable)
        if given is None or not given.strip():
            return self.default
        try:
            value = int(given.strip().replace("_", ""))
        except ValueError:
            value = 0
        if value <= 0:
            raise InputError(f"{self.variable} must be a positive whole number, not {given!r}")
        return value

    def exceeded(self, where: str, found: str = "") -> InputError:
        """The error for ``where`` going past this bound (``found``: what was seen, if known)."""
        seen = f" ({found})" if found else ""
        return InputError(
            f"{where}: {self.what} exceeds dahpkg's limit of {self.value():,} {self.unit}{seen}. "
            f"If the file is trusted and the machine has the memory, raise it with "
            f"{self.variable}=N"
        )


LIMITS: dict[str, Limit] = {
    limit.name: limit
    for limit in (
        Limit(
            "max_json_depth",
            64,
            "levels",
            "the nesting of JSON objects and lists",
            "the shipped Table Schema needs 7",
        ),
        Limit(
            "max_json_bytes",
            16 << 20,
            "bytes",
            "the size of a descriptor, schema or other metadata file",
            "the shipped Table Schema is 23 kB",
        ),
        Limit(
            "max_workbook_bytes",
            256 << 20,
            "bytes",
            "the size of a workbook once unzipped",
            "100,000 episodes as dahpkg writes them unzip to 115 MB (164 MB from openpyxl)",
        ),
        Limit(
            "max_cell_chars", 32_767, "characters", "the length of one cell", "Excel's own limit"
        ),
        Limit(
            "max_columns",
            16_384,
            "columns",
            "the number of columns of a table",
            "Excel's own limit",
        ),
        Limit(
            "max_cells",
            100_000_000,
            "cells",
            "the number of cells of a table",
            "a million episodes of 31 columns are 31 million",
        ),
        Limit(
            "max_token_bytes",
            4_096,
            "bytes",
            "the size of a token file",
            "a token is one line of text",
        ),
        Limit(
            "max_answer_bytes",
            4 << 20,
            "bytes",
            "the size of a server's answer",
            "a draft and its file list, many times over",
        ),
        Limit(
            "max_request_seconds",
            900,
            "seconds",
            "the time one request to a server takes",
            "uploading 100 MB at 1 Mbit/s takes 800 s",
        ),
    )
}


def limit(name: str) -> Limit:
    """The bound called ``name`` (a key of `LIMITS`).

    >>> limit("max_cell_chars").default
    32767
    """
    return LIMITS[name]


def load_json(text: str | bytes, where: str) -> Any:
    """The JSON value of ``text``, within the size and nesting bounds; `InputError` if not.

    >>> load_json('{"a": [1, 2]}', "answer")
    {'a': [1, 2]}
    >>> load_json("[" * 100 + "]" * 100, "answer")
    Traceback (most recent call last):
    dahpkg.errors.InputError: answer: the nesting of JSON objects and lists exceeds ...
    """
    size = limit("max_json_bytes")
    if len(text) > size.value():
        raise size.exceeded(where, f"{len(text):,} bytes")
    depth = limit("max_json_depth")
    try:
        value = json.loads(text)
    except RecursionError:
        # Deeper than Python's recursion limit: far past any bound, and never a crash.
        raise depth.exceeded(where) from None
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # a number of thousands of digits
        raise InputError(f"{where}: {exc}") from None
    _check_depth(value, depth.value(), depth, where)
    return value


def _check_depth(value: Any, left: int, depth: Limit, where: str) -> None:
    """Refuse containers nested more than ``left`` deep. Recursive, but never deeper than the
    bound itself, and holding nothing but the path to the current value."""
    if isinstance(value, dict):
        children: Any = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    if left <= 0:
        raise depth.exceeded(where)
    for child in children:
        if isinstance(child, dict | list):
            _check_depth(child, left - 1, depth, where)


def render_markdown() -> str:
    """The table of limits that SECURITY.md carries."""
    rows = ["| Limit | Default | Measured against | Environment variable |", "|---|---:|---|---|"]
    for x in LIMITS.values():
        what = x.what[0].upper() + x.what[1:]
        rows.append(f"| {what} | {x.default:,} {x.unit} | {x.why} | `{x.variable}` |")
    return "\n".join(rows) + "\n"
