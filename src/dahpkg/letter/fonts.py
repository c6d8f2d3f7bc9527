"""How wide text prints in Arial, so that a table's columns can be fitted to their words.

Advance widths, in units of 1/2048 em, of the characters U+0020-U+007E and U+00A0-U+00FF in
Liberation Sans 2 (Regular and Bold, the ``hmtx`` table of LiberationSans-Regular.ttf and
LiberationSans-Bold.ttf). Liberation Sans is metric-compatible with Arial: the same advance
widths, which is why LibreOffice substitutes it for Arial and why these figures also hold in Word.
Kept here, not read from a font file at run time, so that a document is the same bytes on every
machine; tests/letter/test_table1_docx.py checks them against the installed font when it is there.
"""

from __future__ import annotations

FONT = "Arial"
UNITS_PER_EM = 2048
# Any other character (the check mark ✓, which LibreOffice and Word draw from a fallback font)
# counts as a full em, wider than any of them, so that a column is never too narrow for it.
OTHER = UNITS_PER_EM

_REGULAR = """
569 569 727 1139 1139 1821 1366 391 682 682 797 1196 569 682 569 569 1139 1139 1139 1139 1139
1139 1139 1139 1139 1139 569 569 1196 1196 1196 1139 2079 1366 1366 1479 1479 1366 1251 1593
1479 569 1024 1366 1139 1706 1479 1593 1366 1593 1479 1366 1251 1479 1366 1933 1366 1366 1251
569 569 569 961 1139 682 1139 1139 1024 1139 1139 569 1139 1139 455 455 1024 455 1706 1139 1139
1139 1139 682 1024 569 1139 1024 1479 1024 1024 1024 684 532 684 1196 569 682 1139 1139 1139
1139 532 1139 682 1509 758 1139 1196 682 1509 1131 819 1124 682 682 682 1180 1100 682 682 682
748 1139 1708 1708 1708 1251 1366 1366 1366 1366 1366 1366 2048 1479 1366 1366 1366 1366 569
569 569 569 1479 1479 1593 1593 1593 1593 1593 1196 1593 1479 1479 1479 1479 1366 1366 1251
1139 1139 1139 1139 1139 1139 1821 1024 1139 1139 1139 1139 569 569 569 569 1139 1139 1139 1139
1139 1139 1139 1124 1251 1139 1139 1139 1139 1024 1139 1024
"""
_BOLD = """
569 682 971 1139 1139 1821 1479 487 682 682 797 1196 569 682 569 569 1139 1139 1139 1139 1139
1139 1139 1139 1139 1139 682 682 1196 1196 1196 1251 1997 1479 1479 1479 1479 1366 1251 1593
1479 569 1139 1479 1251 1706 1479 1593 1366 1593 1479 1366 1251 1479 1366 1933 1366 1366 1251
682 569 682 1196 1139 682 1139 1251 1139 1251 1139 682 1251 1251 569 569 1139 569 1821 1251
1251 1251 1251 797 1139 682 1251 1139 1593 1139 1139 1024 797 573 797 1196 569 682 1139 1139
1139 1139 573 1139 682 1509 758 1139 1196 682 1509 1131 819 1124 682 682 682 1180 1139 682 682
682 748 1139 1708 1708 1708 1251 1479 1479 1479 1479 1479 1479 2048 1479 1366 1366 1366 1366
569 569 569 569 1479 1479 1593 1593 1593 1593 1593 1196 1593 1479 1479 1479 1479 1366 1366 1251
1139 1139 1139 1139 1139 1139 1821 1139 1139 1139 1139 1139 569 569 569 569 1251 1251 1251 1251
1251 1251 1251 1124 1251 1251 1251 1251 1251 1139 1251 1139
"""
CHARACTERS = "".join(map(chr, [*range(0x20, 0x7F), *range(0xA0, 0x100)]))
ADVANCES = {
    False: dict(zip(CHARACTERS, map(int, _REGULAR.split()), strict=True)),
    True: dict(zip(CHARACTERS, map(int, _BOLD.split()), strict=True)),
}


def width(text: str, points: float, *, bold: bool = False) -> float:
    """The width of ``text`` on one line, in points, at ``points`` size (no kerning, which
    only narrows it)."""
    advances = ADVANCES[bold]
    return sum(advances.get(ch, OTHER) for ch in text) * points / UNITS_PER_EM
