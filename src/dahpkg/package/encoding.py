"""The text encodings a spreadsheet saves a CSV file in, read as the UTF-8 the parser wants.

UTF-8, with or without its byte-order mark, is parsed as it is: a clean file pays nothing
here. UTF-16 with a byte-order mark (Excel's "Unicode text", TAB-separated) and an encoding
named by the user (``--encoding cp1252``) or by a package's resource are decoded in blocks
into a temporary UTF-8 copy, never whole in memory, within dahpkg's bounds on cells. A file
that does not decode is refused with the line and the byte where decoding failed, the bytes
themselves (never the cell around them, which may be an identifier) and what to do.

A package's resource declares its table's encoding and dialect (its delimiter): read here too.
"""

from __future__ import annotations

import codecs
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from dahpkg.errors import InputError
from dahpkg.limits import limit

BLOCK = 1 << 20
# What Excel offers in "Save as", and the encoding a Western European Windows saves "CSV" in.
ADVICE = (
    'save it from Excel as "CSV UTF-8 (Comma delimited)", or give the encoding it was saved '
    "in, e.g. --encoding cp1252 (Excel on Windows in Western Europe)"
)
UTF8 = "utf-8"
DELIMITERS = ",;\t"  # those detected (dahpkg.package.header), counted here before one is
BYTE_ORDER_MARKS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}


def codec_name(encoding: str | None) -> str | None:
    """The codec's canonical name (``utf-8`` for any spelling of it); None for None.

    >>> codec_name("UTF8"), codec_name("Windows-1252"), codec_name("latin1")
    ('utf-8', 'cp1252', 'iso8859-1')
    """
    if encoding is None:
        return None
    try:
        name = codecs.lookup(encoding).name
    except (LookupError, TypeError, ValueError):
        raise InputError(
            f"'{encoding}' is not an encoding Python knows; use e.g. utf-8, utf-16 or cp1252"
        ) from None
    return UTF8 if name in ("utf-8", "utf-8-sig") else name


def declared_delimiter(resource: Mapping[str, Any]) -> str | None:
    """The delimiter a resource's dialect declares; None to detect it from the header row.

    A dialect given as a path is refused by the Data Package profile (the v2 profile wants the
    descriptor inline), so that no file is read for it."""
    dialect = resource.get("dialect")
    delimiter = dialect.get("delimiter") if isinstance(dialect, Mapping) else None
    return delimiter if isinstance(delimiter, str) and len(delimiter) == 1 else None


def declared_encoding(resource: Mapping[str, Any], descriptor: Path) -> str | None:
    """The encoding a package's resource declares; None when it declares none (UTF-8)."""
    declared = resource.get("encoding")
    if declared is None:
        return None
    if not isinstance(declared, str):
        raise InputError(f"the encoding of a resource in {descriptor} is not text")
    return codec_name(declared)


@contextmanager
def as_utf8(source: IO[bytes], where: str, encoding: str | None = None) -> Iterator[IO[bytes]]:
    """``source`` (open, seekable) as UTF-8: itself when it is, else a decoded temporary copy.

    ``encoding`` None means UTF-8, or UTF-16 when the file starts with its byte-order mark.
    """
    source.seek(0)
    head = source.read(2)
    source.seek(0)
    codec = codec_name(encoding)
    skip = 0
    marked = BYTE_ORDER_MARKS.get(head)
    if marked is not None and codec in (None, "utf-16", marked):
        codec, skip = marked, 2  # the mark says which end comes first, and is no text
    if codec in (None, UTF8):
        yield source
        return
    with tempfile.TemporaryFile(prefix="dahpkg-") as copy:
        _transcode(source, where, codec, skip, copy)
        copy.seek(0)
        yield copy


def _transcode(source: IO[bytes], where: str, codec: str, skip: int, sink: IO[bytes]) -> None:
    """Decode ``source`` from ``codec`` into ``sink`` as UTF-8, block by block.

    Bounded as a parsed file is: more lines than ``max_cells``, or more characters than its
    separators leave room for at ``max_cell_chars`` a cell, stop it as it goes.
    """
    cells, chars, columns = limit("max_cells"), limit("max_cell_chars"), limit("max_columns")
    lines, separators, length = 0, 0, 0
    for text in _decoded(source, where, codec, skip):
        sink.write(text.encode(UTF8))
        lines += text.count("\n") + text.count("\r")  # a CRLF twice: loose, never tight
        separators += sum(text.count(d) for d in f"\n\r{DELIMITERS}")
        length += len(text)
        if lines > cells.value():
            raise cells.exceeded(where, f"more than {cells.value():,} lines")
        # A header row that has not ended: wider than the bound whichever its delimiter.
        if not lines and separators > len(DELIMITERS) * columns.value():
            found = f"at least {separators // len(DELIMITERS) + 1:,} columns"
            raise columns.exceeded(f"{where}, header row", found)
        # Every cell within the bound: no more characters than that, quotes and separators.
        if length > (separators + 1) * (chars.value() + 3):
            raise chars.exceeded(where, "a cell runs on without ending")


def _decoded(source: IO[bytes], where: str, codec: str, skip: int = 0) -> Iterator[str]:
    """The text of ``source`` from byte ``skip`` on, block by block; an `InputError` naming
    the line and byte where it stops decoding."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset, lines = skip, 1
    source.seek(skip)
    while True:
        block = source.read(BLOCK)
        try:
            text = decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            data = bytes(exc.object)  # the bytes held over from the block before, then it
            start = offset - (len(data) - len(block))
            raise _undecodable(data, exc.start, exc.end, where, codec, start, lines) from None
        except UnicodeError as exc:  # e.g. UTF-16 without its byte-order mark
            raise InputError(f"{where} cannot be read as {codec} ({exc}); {ADVICE}") from None
        lines += text.count("\n")
        yield text
        if not block:
            return
        offset += len(block)


def _undecodable(
    data: bytes, start: int, end: int, where: str, codec: str, offset: int, line: int
) -> InputError:
    """The refusal of the bytes ``data[start:end]``, ``data`` being ``offset`` bytes into the
    file, on line ``line``."""
    line += data[:start].decode(codec, errors="replace").count("\n")
    bad = data[start : max(end, start + 1)][:4]
    shown = " ".join(f"0x{b:02X}" for b in bad)
    what = "UTF-8" if codec == UTF8 else codec
    message = (
        f"{where} is not {what} text: decoding fails on line {line}, at byte {offset + start:,} "
        f"({shown})"
    )
    if codec != UTF8:
        return InputError(f"{message}; check the encoding it was saved in, or {ADVICE}")
    meant = bad.decode("cp1252", errors="replace")
    if meant.isprintable() and "\ufffd" not in meant:
        message += f", which cp1252 reads as '{meant}'"
    return InputError(f"{message}; {ADVICE}")


class NotUtf8(InputError):
    """A file read as UTF-8 that is not UTF-8 text."""


def refuse_undecodable(source: IO[bytes], where: str) -> NotUtf8:
    """The `InputError` for a file the parser found is not UTF-8, saying where: the file is
    read again, in blocks, up to the first byte that does not decode."""
    try:
        for _ in _decoded(source, where, UTF8):
            pass
    except InputError as exc:
        return NotUtf8(str(exc))
    return NotUtf8(f"{where} is not UTF-8 text; {ADVICE}")  # pragma: no cover
