"""The messages of the structural rules: what was written, what the column expects, in words."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from dahpkg.package import Field

# How a space a reader cannot see is shown where it matters: at either end of a cell, where
# "GPA " and "GPA" look the same on screen but are different values.
SHOWN_SPACES = {" ": "\u2423", "\t": "\u21e5", "\u00a0": "\u237d"}  # ␣ ⇥ ⍽


def visible(text: str) -> str:
    """A cell as messages quote it: spaces, tabs and no-break spaces at either end shown.

    >>> visible(" GPA  ")
    '␣GPA␣␣'
    >>> visible("dyspnoea, cough")
    'dyspnoea, cough'
    """
    core = text.strip(" \t\u00a0")
    if core == text:
        return text
    start = text.index(core) if core else len(text)
    lead, trail = text[:start], text[start + len(core) :]
    show = "".join(SHOWN_SPACES.get(c, c) for c in lead)
    return show + core + "".join(SHOWN_SPACES.get(c, c) for c in trail)


def near_miss(written: str, options: Iterable[str]) -> str | None:
    """The allowed value ``written`` was meant to be, when it differs only by surrounding
    spaces or by case; None when it is not that close to any.

    >>> near_miss("GPA ", ("GPA", "MPA")), near_miss("sle", ("GPA", "SLE")), near_miss("x", "ab")
    ('GPA', 'SLE', None)
    """
    core = written.strip(" \t\u00a0")
    folded = core.casefold()
    found = None
    for option in options:
        if option == core:
            return option
        if found is None and option.casefold() == folded:
            found = option
    return found


def _did_you_mean(written: str, meant: str | None) -> str:
    if meant is None:
        return ""
    spaces = " (without the spaces around it)" if written != written.strip(" \t\u00a0") else ""
    return f"; did you mean {meant}?{spaces}"


def type_message(item: Field, written: str) -> str:
    """Why a cell cannot be read as its column's type, and what to write instead.

    >>> from dahpkg.package import shipped_schema
    >>> type_message(shipped_schema().field("patient_id"), "7 ")
    "Patient: '7␣' is not a whole number; did you mean 7? (without the spaces around it)"
    """
    shown = visible(written)
    if item.type == "boolean":
        first = (item.true_values[0], item.false_values[0])
        others = [v for v in (*item.true_values, *item.false_values) if v not in first]
        meant = near_miss(written, (*item.true_values, *item.false_values))
        if meant is not None:
            return f"{item.label}: '{shown}' is not yes or no{_did_you_mean(written, meant)}"
        also = f" (also accepted: {', '.join(others)})" if others else ""
        return f"{item.label}: '{shown}' is not yes or no; write one of {', '.join(first)}{also}"
    message = f"{item.label}: '{shown}' is not {item.expectation()}"
    core = written.strip(" \t\u00a0")
    digits = core.lstrip("+-")
    if written.startswith("="):
        message += " (a spreadsheet formula: paste its value instead)"
    elif item.type in ("integer", "number") and core != written and _is_number(core, item):
        message += _did_you_mean(written, core)
    elif item.type == "integer" and digits.isascii() and digits.isdigit():
        message += " that dahpkg can hold (more than 18 digits)"
    return message


def _is_number(text: str, item: Field) -> bool:
    from dahpkg.package.table import INTEGER, NUMBER

    return re.fullmatch(INTEGER if item.type == "integer" else NUMBER, text) is not None and (
        item.type != "integer" or len(text.lstrip("+-")) <= 18
    )


def constraint_message(rule_id: str, item: Field, written: str) -> str:
    if rule_id == "schema-category":
        allowed = ", ".join(item.meanings("{value} ({label})"))
        quoted = f"{item.label}: '{visible(written)}' is not an allowed value"
        meant = near_miss(written, item.allowed or ())
        if meant is not None:  # the list would hide the one letter or space that differs
            return quoted + _did_you_mean(written, meant)
        return f"{quoted}; expected one of {allowed}"
    shown = visible(written)
    if rule_id == "schema-pattern":
        return (
            f"{item.label}: '{shown}' does not have the form its column requires ({item.pattern})"
        )
    if rule_id == "schema-length":
        return f"{item.label}: '{shown}' has {len(written)} characters; {_length(item)}"
    if rule_id == "schema-unique":
        return f"{item.label} '{shown}' is on an earlier row too; each value must be unique"
    unit = f" {item.unit}s" if item.unit else ""
    if item.minimum is not None and item.maximum is not None:
        bounds = f"{item.minimum:g} to {item.maximum:g}{unit}"
    else:
        parts = [
            f"{words} {bound:g}"
            for words, bound in (
                ("at least", item.minimum),
                ("more than", item.exclusive_minimum),
                ("at most", item.maximum),
                ("less than", item.exclusive_maximum),
            )
            if bound is not None
        ]
        bounds = " and ".join(parts) + (unit if item.maximum or item.exclusive_maximum else "")
    return f"{item.label} {written} is outside the allowed range ({bounds})"


def _length(item: Field) -> str:
    if item.min_length is not None and item.max_length is not None:
        return f"the column allows {item.min_length} to {item.max_length}"
    if item.min_length is not None:
        return f"the column needs at least {item.min_length}"
    return f"the column allows at most {item.max_length}"


def unknown_column_message(name: str, absent: list[str], declared: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name.strip().lower(), absent or list(declared), n=1)
    hint = (
        f"; did you mean {close[0]}?" if close else "; rename it to a declared column or remove it"
    )
    return f"the column '{visible(name)}' is not in the data dictionary{hint}"
