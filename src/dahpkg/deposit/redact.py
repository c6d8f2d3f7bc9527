"""Secrets kept out of what dahpkg shows and keeps: messages, progress lines, the state file.

A server can echo what it was sent (an error page quoting the request's Authorization header),
and whatever it says may reach an exception, the terminal or the state file. `redact` is the
one function that removes secrets: the token itself (every `Token` is remembered here when it
is made) and any credential written in the usual forms (``Bearer x``, ``token=x``,
``access_token=x``, ``key=x``, ``X-Dataverse-key: x``, ``"password": "x"``), each replaced by
``[redacted]``. `server_text` is how a server's words enter a message: redacted, then made one
short printable line, so that an answer cannot forge lines or send escape sequences to the
terminal either.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

REDACTED = "[redacted]"
# Shorter values are not remembered: replacing every "abc" would garble messages, and a
# secret that short protects nothing (a repository's tokens are tens of characters long).
MIN_SECRET = 8

_secrets: set[str] = set()

# A credential's value: up to a space, a quote or a delimiter of URLs, headers and JSON. "[" is
# excluded, so that redacting twice changes nothing.
_VALUE = r"[^\s\"'<>&,;()\[\]{}\\]+"
_NAME = r"[\w.-]*?(?:token|key|secret|password|passwd)s?"
_RULES = (
    # Authorization: Bearer x (or any scheme): the whole credential, scheme included.
    (re.compile(r"(?i)\b((?:proxy-)?authorization[\"']?\s*[:=]\s*[\"']?)"
                r"(?:(?:bearer|basic|token|digest|negotiate)\s+)?"
                rf"(?:{re.escape(REDACTED)}|{_VALUE})"), rf"\1{REDACTED}"),
    (re.compile(r"(?i)\b(bearer\s+)" + _VALUE), rf"\1{REDACTED}"),
    # "access_token": "x" in JSON, whatever the value holds up to its closing quote.
    (re.compile(rf"(?i)(\"{_NAME}\"\s*:\s*\")[^\"\\]+"), rf"\1{REDACTED}"),
    # token=x, access_token=x, key=x, api_key=x: query strings, forms, logs.
    (re.compile(rf"(?i)(?<![\w-])({_NAME}[\"']?\s*=\s*[\"']?)" + _VALUE), rf"\1{REDACTED}"),
    # X-Dataverse-key: x, X-Auth-Token: x, Private-Token: x, Api-Key: x (headers echoed back).
    # Only header-like names: "the token: a personal access token" is dahpkg's own advice.
    (re.compile(r"(?i)(?<![\w-])((?:x-[\w-]*?|api-|private-)(?:key|token)\s*:\s*)" + _VALUE),
     rf"\1{REDACTED}"),
)  # fmt: skip


def remember(secret: str) -> None:
    """Redact ``secret`` from now on, wherever it appears."""
    if len(secret) >= MIN_SECRET:
        _secrets.add(secret)


def redact(text: object) -> str:
    """``text`` with every remembered secret and every credential replaced by ``[redacted]``.

    >>> redact('401: header "Authorization: Bearer s3cr3t-t0ken" refused')
    '401: header "Authorization: [redacted]" refused'
    >>> redact("GET /api?access_token=s3cr3t&size=1; X-Dataverse-key: 1234-abcd")
    'GET /api?access_token=[redacted]&size=1; X-Dataverse-key: [redacted]'
    >>> redact("Check the token: a personal access token")
    'Check the token: a personal access token'
    """
    out = str(text)
    for secret in sorted(_secrets, key=len, reverse=True):
        out = out.replace(secret, REDACTED)
    for pattern, replacement in _RULES:
        out = pattern.sub(replacement, out)
    return out


def server_text(text: object, width: int = 500) -> str:
    """A server's words as they may appear in a message: redacted, on one line, without
    control characters, at most ``width`` characters.

    >>> server_text("Bad\\x1b[31m request\\nPublished: DOI 10.1/fake")
    'Bad?[31m request Published: DOI 10.1/fake'
    """
    # Redacted before it is shortened, so that a cut cannot leave half a secret behind; only a
    # prefix is looked at, as an answer may be megabytes long.
    out = redact(str(text)[: width + 8192])
    out = "".join(_printable(c) for c in out)
    out = " ".join(out.split())
    return out if len(out) <= width else out[: width - 1] + "\u2026"


def _printable(char: str) -> str:
    if char in "\t\n\r\f\v\u2028\u2029":
        return " "
    # Control characters, and the format characters that reorder text on a terminal.
    if (
        unicodedata.category(char) == "Cc"
        or "\u202a" <= char <= "\u202e"
        or ("\u2066" <= char <= "\u2069")
    ):
        return "?"
    return char


def field_lines(errors: Any) -> list[str]:
    """One line per field of an Invenio ``errors`` list (Zenodo's legacy API and InvenioRDM
    give the same shape: ``field`` with ``messages``, a list, or ``message``), a screenful at
    most, in the server's words through `server_text`."""
    lines = []
    for error in errors[:20] if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        texts = error.get("messages", error.get("message", ""))
        texts = texts if isinstance(texts, list) else [texts]
        flat = server_text("; ".join(str(t) for t in texts[:20] if t))
        lines.append(f"  {server_text(error.get('field') or 'request', 100)}: {flat}")
    return lines
