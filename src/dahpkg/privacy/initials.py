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

from dahpkg.privacy.patterns import _LOWER, _UPPER, CLINICAL_ABBREVIATIONS, INITIALS_TOKEN

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

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
    texts: pd.Series, known: frozenset[str], vocabulary: frozenset[str]
) -> np.ndarray:
    """True where a text holds a person's initials rather than known abbreviations only.

    ``texts`` are the texts the initials pattern found (a few of a file's distinct texts);
    ``known`` the abbreviations that are not initials; ``vocabulary`` the dictionary's words,
    lower case.

    >>> import pandas as pd
    >>> texts = pd.Series(["J.M.S. seen in ED", "GPA, ICU", "patient JMS", "I.V. pulses"])
    >>> holds_initials(texts, abbreviations(["GPA", "ICU"]), frozenset()).tolist()
    [True, False, True, False]
    """
    import numpy as np
    import pandas as pd

    found = pd.Series(texts.to_numpy(dtype=object), dtype="str").str.findall(INITIALS_TOKEN)
    tokens = found.explode().dropna().astype("str")
    if tokens.empty:
        return np.zeros(len(texts), dtype=bool)
    letters = tokens.str.replace(r"[\s.]", "", regex=True)
    # A surname glued to the initials ("J.M.Silva") is a name, however the initials read.
    surname = letters.str.contains(f"[{_LOWER}]", regex=True)
    known_word = (letters.str.len() >= 3) & letters.str.lower().isin(list(vocabulary))
    initials = surname | ~(letters.isin(list(known)) | known_word)
    held = initials.groupby(level=0).any()
    return held.reindex(range(len(texts)), fill_value=False).to_numpy(dtype=bool)
