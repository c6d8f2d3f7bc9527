"""The messages of the structural rules: what was written, what the column expects, in words."""

from __future__ import annotations

import difflib

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


def type_message(item: Field, written: str) -> str:
    message = f"{item.label}: '{written}' is not {item.expectation()}"
    if written.startswith("="):
        message += " (a spreadsheet formula: paste its value instead)"
    elif (
        item.type == "integer" and written.lstrip("+-").isascii() and written.lstrip("+-").isdigit()
    ):
        message += " that dahpkg can hold (more than 18 digits)"
    return message


def constraint_message(rule_id: str, item: Field, written: str) -> str:
    if rule_id == "schema-category":
        allowed = ", ".join(
            f"{v} ({item.categories[v]})" if item.categories.get(v, v) != v else v
            for v in item.allowed or ()
        )
        return f"{item.label}: '{written}' is not an allowed value; expected one of {allowed}"
    if rule_id == "schema-pattern":
        return (
            f"{item.label}: '{written}' does not have the form its column requires ({item.pattern})"
        )
    if rule_id == "schema-length":
        return f"{item.label}: '{written}' has {len(written)} characters; {_length(item)}"
    if rule_id == "schema-unique":
        return f"{item.label} '{written}' is on an earlier row too; each value must be unique"
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
    return f"the column '{name}' is not in the data dictionary{hint}"
