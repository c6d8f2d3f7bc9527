"""A person's initials in free text ("J.M.S.", "J. M. S.", "J.M.Silva", "JMS"), told apart
from the capital abbreviations every clinical note is full of (GPA, ICU, PLEX).

An abbreviation is known when the data dictionary writes it (a category such as GPA, a
field's name or title such as "ICU admission", a spelling of yes such as SIM, in any of the
package's Table Schemas), when it is one of the short documented list of clinical
abbreviations (`CLINICAL_ABBREVIATIONS`), when a word of three letters or more of the
dictionary is written in capitals ("WITH"), or when the authors cleared it with
--not-identifier. Anything else of two to four capitals standing alone, or of dotted
capitals, is read as initials; so is a surname glued to dotted capitals, whatever they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dahpkg.privacy.patterns import (
    _LETTER,
    _LOWER,
    _UPPER,
    CLINICAL_ABBREVIATIONS,
    INITIALS_LEFT,
)

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

# What stands between two words: not a letter, a digit or a hyphen ("SARS-CoV-2" is one word).
_SEPARATOR = f"[^{_LETTER}0-9-]"
# What may stand before dotted capitals that are a whole: not a dotted capital ("J. M.S.").
_BEFORE_DOTTED = f"[^{_LETTER}0-9.\\s-]|[^.]\\s|^\\s"
# An abbreviation that could be read as initials: two to four capitals.
_TOKEN = re.compile(f"[{_UPPER}]{{2,4}}")
# Two capitals or more in one word: "GPA", "IVIg", "CoV"; written in capitals when compared.
_ABBREVIATION = re.compile(
    f"[{_UPPER}0-9]*[{_UPPER}][{_LOWER}0-9]*[{_UPPER}][{_UPPER}{_LOWER}0-9]*"
)


def abbreviations(dictionary: Iterable[str], reviewed: Iterable[str] = ()) -> frozenset[str]:
    """The capital abbreviations that are not initials: those of ``dictionary`` (the texts of
    the Table Schemas), the documented clinical ones, and each one-word text the authors
    ``reviewed`` as not identifying.

    >>> sorted(abbreviations(["Macrophage activation syndrome (MAS)", "IVIg"], ["hgo"])
    ...        - CLINICAL_ABBREVIATIONS)
    ['HGO', 'MAS']
    """
    found = {word.upper() for text in dictionary for word in _ABBREVIATION.findall(text)}
    found |= {text.strip().upper() for text in reviewed if len(text.split()) == 1}
    return frozenset(found | CLINICAL_ABBREVIATIONS)


def holds_initials(
    texts: pa.Array, known: frozenset[str], vocabulary: frozenset[str]
) -> np.ndarray:
    """True where a text holds a person's initials rather than known abbreviations only.

    ``texts`` are the texts the initials pattern found (a few of a file's distinct texts);
    ``known`` the abbreviations that are not initials; ``vocabulary`` the dictionary's words,
    lower case.

    Run in pyarrow's regex engine on all the texts at once, in memory linear in their size
    (a cell of ten thousand capital words makes no ten thousand Python strings): every known
    abbreviation standing alone, plain or dotted, is blanked out, and whatever the initials
    pattern still finds is initials.

    >>> import pyarrow as pa
    >>> texts = pa.array(["J.M.S. seen in ED", "GPA, ICU", "patient JMS", "I.V. pulses"])
    >>> holds_initials(texts, abbreviations(["GPA", "ICU"]), frozenset()).tolist()
    [True, False, True, False]
    """
    import numpy as np
    import pyarrow.compute as pc

    words = {w.upper() for w in vocabulary if 3 <= len(w) <= 4}
    plain = sorted(w for w in known | words if _TOKEN.fullmatch(w))
    if plain:
        # Dotted, only two capitals (I.V., P.O.) read as an abbreviation: three (A.C.R.) are
        # far more often a patient's; and only whole: "M.S." is not blanked out of "J.M.S.".
        dotted = [r"\.\s?".join(w) + r"\.?" for w in plain if len(w) == 2]
        for left, forms in ((_SEPARATOR, plain), (_BEFORE_DOTTED, dotted)):
            blank = f"(^|{left})(?:{'|'.join(forms)})({_SEPARATOR}|$)"
            # Twice: a match takes the separator after it, which the next one needs before it.
            for _ in range(2):
                texts = pc.replace_substring_regex(texts, blank, r"\1 \2")
    found = pc.match_substring_regex(texts, INITIALS_LEFT)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
