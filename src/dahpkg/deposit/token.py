"""A repository's personal access token: from a file or an environment variable, never shown.

The token travels only in a request header (`dahpkg.deposit.http.Client`); its value never
appears in a URL, a message, a log, a state file or the text of the `Token` that holds it, and
every `Token` is remembered by `dahpkg.deposit.redact`, which removes it from whatever a server
echoes back. A token file is read only up to ``max_token_bytes`` (``/dev/zero`` is refused, not
read until memory runs out).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from dahpkg.deposit.redact import remember
from dahpkg.errors import InputError
from dahpkg.limits import limit


@dataclass(frozen=True)
class Token:
    """A personal access token; its value never appears in its text."""

    value: str = field(repr=False)
    source: str

    def __post_init__(self) -> None:
        remember(self.value)

    def __str__(self) -> str:
        return f"the token from {self.source}"


def read_token(
    repository: str,
    variable: str,
    how: str,
    token_file: str | Path | None = None,
    environ: dict[str, str] | None = None,
) -> Token:
    """The token from ``token_file`` if given, else from the environment ``variable``;
    `InputError` if there is none or it cannot be a token. ``repository`` names the repository
    and ``how`` says how to make a token there, for the messages."""
    if token_file is not None:
        path = Path(token_file)
        try:
            lines = _read_bounded(path).strip().splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
            raise InputError(f"cannot read the token file {path}: {reason}") from None
        value, source = (lines[0].strip() if lines else ""), f"the file {path}"
    else:
        variables = os.environ if environ is None else environ
        value, source = variables.get(variable, "").strip(), variable
    if not value:
        raise InputError(
            f"no {repository} token in {source if token_file else variable}: {how}, then set "
            f"{variable} or pass --token-file FILE"
        )
    if not value.isascii() or not value.isprintable() or " " in value:
        raise InputError(
            f"the value in {source} cannot be a {repository} token (it has spaces or "
            "characters a token does not use)"
        )
    return Token(value, source)


def _read_bounded(path: Path) -> str:
    """The text of the token file, read only up to the limit (and one byte more, to tell)."""
    bound = limit("max_token_bytes")
    with path.open("rb") as handle:
        data = handle.read(bound.value() + 1)
    if len(data) > bound.value():
        raise bound.exceeded(
            f"the token file {path}", "a token is one line of tens of characters: is it the file?"
        )
    return data.decode("utf-8")
