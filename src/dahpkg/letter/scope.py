"""Which package is the letter's: the one predicate every letter-only command asks.

The letter's package is the one that carries Table I as printed, the ``table1`` resource.
That resource is what the letter-only commands stand on: `build` derives the episode table
from it, `reproduce` checks the letter's text against the episodes it yields, and `table1`
compares its rendering with it and prints the letter's caption. Any other package (a
centre's own, made by `dahpkg init`) or a loose CSV or XLSX file has no Table I, and its
cases are not the letter's: those commands say so (exit 2) instead of reporting mismatches
with a letter the data have nothing to do with. The exports ask the same question, so that a
bundle speaks of the letter only when it is the letter's.

The predicate reads the descriptor only; no file is opened for it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dahpkg.errors import InputError

if TYPE_CHECKING:
    from dahpkg.package import Package

LETTER_RESOURCE = "table1"  # Table I as printed: data/raw/table1.tsv in the shipped package


def is_letter_package(package: Package) -> bool:
    """True for the letter's own package: it carries Table I as printed (``table1``).

    >>> from dahpkg.package import open_package
    >>> is_letter_package(open_package())
    True
    """
    return package.resource(LETTER_RESOURCE) is not None


def require_letter(package: Package, command: str, purpose: str, instead: str) -> None:
    """Refuse, in one line, a letter-only ``command`` on any other package.

    ``purpose`` says what the command does with the letter; ``instead`` what to run on the
    package at hand.
    """
    if is_letter_package(package):
        return
    raise InputError(
        f"`dahpkg {command}` is for the letter's own package only ({purpose}); "
        f"{package.name} is another package, without Table I as printed (the "
        f"'{LETTER_RESOURCE}' resource): {instead}"
    )
