"""Read the sheets of an XLSX workbook as text, streaming, within dahpkg's limits.

An XLSX file is a zip of XML parts, and both can be made to inflate: a 3 MB file can hold 3 GB
of sheet XML, a cell of 2 GB, or millions of empty rows that a reader building a tree of
elements keeps in memory. So the workbook is read here part by part, with the XML parser in C
(expat) and nothing kept but the cells' text: the declared sizes of the parts are checked
against ``max_workbook_bytes`` before anything is inflated, the bytes actually inflated are
counted as they stream (declared sizes can lie), a cell longer than ``max_cell_chars`` stops
the read where it is found, and a sheet's columns and cells are bounded too. Empty cells and
gaps cost nothing: a sheet is kept as its non-empty cells, and laid out as columns only for
the typed reader (`Grid`). Every row is read, whatever the sheet's ``<dimension>`` says.

Cells are read as openpyxl reads them with ``data_only=False`` (a formula as its text, a date
as its date), from the sheet's own parts; a damaged file is an `InputError` naming the file.
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from typing import IO, TYPE_CHECKING, Any
from xml.parsers import expat

from dahpkg.errors import InputError
from dahpkg.limits import limit
from dahpkg.package.grid import Grid, damaged
from dahpkg.package.sheet import (
    CODES,
    MAIN,
    MAX_DEPTH,
    RUN,
    SEPARATOR,
    TEXT,
    SheetReader,
    Texts,
    whole,
)

if TYPE_CHECKING:
    import pyarrow as pa

RELATIONS = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
             "http://purl.oclc.org/ooxml/officeDocument/relationships")  # fmt: skip
CHUNK = 1 << 16
STRING_ITEM = {f"{ns}{SEPARATOR}si" for ns in MAIN}


class Book:
    """The zip of a workbook, its parts opened through one count of the bytes inflated."""

    def __init__(self, source: IO[bytes], where: str) -> None:
        self.where = where
        head = source.read(8)
        source.seek(0)
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise InputError(
                f"{where} is not an .xlsx workbook (it is an old .xls file, or one protected "
                "by a password): save it from Excel as .xlsx, without a password"
            )
        try:
            self.zip = zipfile.ZipFile(source)
            self.parts = {info.filename: info for info in self.zip.infolist()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise damaged(where, f"it is not a zip archive ({exc})") from None
        self.bound = limit("max_workbook_bytes")
        # Checked before inflating anything: what the zip says its parts hold.
        declared = sum(info.file_size for info in self.parts.values())
        if declared > self.bound.value():
            raise self.bound.exceeded(where, f"its parts declare {declared:,} bytes")
        self.left = self.bound.value()

    def has(self, part: str) -> bool:
        return part in self.parts

    def parse(self, part: str, start: Any, end: Any = None, text: Any = None) -> None:
        """Stream ``part`` through an expat parser calling ``start``, ``end`` and ``text``."""
        parser = expat.ParserCreate(namespace_separator=SEPARATOR)
        parser.buffer_text = True
        parser.buffer_size = CHUNK
        parser.StartDoctypeDeclHandler = self._no_doctype(part)
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartElementHandler = start
        if end is not None:
            parser.EndElementHandler = end
        if text is not None:
            parser.CharacterDataHandler = text
        if part not in self.parts:
            raise damaged(self.where, f"it lacks its part {part}")
        try:
            with self.zip.open(self.parts[part]) as stream:
                while chunk := stream.read(CHUNK):
                    # Counted as inflated: a zip whose sizes lie is stopped all the same.
                    self.left -= len(chunk)
                    if self.left < 0:
                        raise self.bound.exceeded(self.where, "counted as it was unzipped")
                    parser.Parse(chunk, False)
            parser.Parse(b"", True)
        except expat.ExpatError as exc:
            raise damaged(self.where, f"its part {part} is not well-formed XML ({exc})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
            raise damaged(self.where, f"its part {part} cannot be unzipped ({exc})") from None

    def _no_doctype(self, part: str) -> Any:
        def refuse(*_: Any) -> None:
            # Workbooks never declare a DTD; one could define entities that expand without end.
            raise damaged(self.where, f"its part {part} declares a DTD")

        return refuse


class Workbook:
    """A workbook's worksheets by name (``names``, in order), each read when asked."""

    def __init__(self, source: IO[bytes], where: str) -> None:
        self.where = where
        self.book = book = Book(source, where)
        package = Relations(book, "")
        workbook = package.part_of("officeDocument") or "xl/workbook.xml"
        relations = Relations(book, workbook)
        listed = Sheets(book, workbook)
        self.parts: dict[str, str] = {}
        for name, rid in listed.sheets:
            kind, part = relations.by_id.get(rid, ("worksheet", ""))
            if kind == "chartsheet":  # a chart, no cells
                continue
            if not book.has(part):
                raise damaged(where, f"its sheet '{name}' has no part {part}".rstrip())
            self.parts.setdefault(name, part)
        if not self.parts:
            raise damaged(where, "it has no sheet")
        self.names = list(self.parts)
        self.strings = SharedStrings(book, relations.part_of("sharedStrings")).strings
        styles = DateStyles(book, relations.part_of("styles"))
        self.dates = (styles.dates, styles.durations)
        self.epoch = listed.epoch

    def read(self, name: str, *, header_only: bool = False) -> Grid:
        """The cells of sheet ``name`` as text; with ``header_only``, its first row alone."""
        reader = SheetReader(self.where, f"{self.where}, sheet '{name}'", self.dates, self.epoch)
        return reader.read(self.book.parse, self.parts[name], self.strings,
                           header_only=header_only)  # fmt: skip

    def header(self, name: str) -> set[str]:
        """The column names of sheet ``name``, read from its first row only."""
        return {text.strip() for text in self.read(name, header_only=True).header()}


def workbook_sheets(source: IO[bytes], where: str) -> list[tuple[str, Grid]]:
    """Every worksheet of a workbook, its cells as text."""
    book = Workbook(source, where)
    return [(name, book.read(name)) for name in book.names]


def choose_sheet(
    book: Workbook, declared: tuple[str, ...], named: str | None = None
) -> tuple[str, str | None]:
    """The sheet holding the episodes, and another sheet that has the data dictionary's
    columns when the one chosen lacks some (else None).

    The sheet ``named``; else the first whose header has every declared column; else the one
    with the most of them (the first of equals), or, with none, one named for episodes or data,
    else the first. A workbook may carry a pivot table, lists or instructions beside its data:
    a sheet is chosen by what it holds, not by its name.
    """
    wanted = set(declared)
    if named is not None:
        if named not in book.parts:
            listed = ", ".join(f"'{n}'" for n in book.names)
            raise InputError(
                f"{book.where} has no sheet named '{named}'; its sheets are {listed}: give one "
                "of them to --sheet"
            )
        have = len(book.header(named) & wanted)
        if have == len(wanted):
            return named, None
        better = (n for n in book.names if n != named and len(book.header(n) & wanted) > have)
        return named, next(better, None)
    counts: list[int] = []
    for name in book.names:
        counts.append(len(book.header(name) & wanted))
        if counts[-1] == len(wanted):
            return name, None
    best = max(range(len(counts)), key=counts.__getitem__)  # the first of the most
    return (book.names[best] if counts[best] else data_sheet(book.names)), None


def data_sheet(names: list[str]) -> str:
    """The sheet named for the episodes, else the first: when no header tells."""
    for wanted in ("episode", "data"):
        for name in names:
            if wanted in name.lower():
                return name
    return names[0]


class Walk:
    """Handlers for a part of the workbook, told each element's name without its namespace
    and its depth, and refusing a part nested deeper than workbooks are."""

    def __init__(self, book: Book, part: str) -> None:
        self.book, self.part, self.depth = book, part, 0

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise damaged(self.book.where, f"its part {self.part} is nested too deep")
        self.opened(name.rsplit(SEPARATOR, 1)[-1], attrs)

    def end(self, name: str) -> None:
        self.depth -= 1
        self.closed(name.rsplit(SEPARATOR, 1)[-1])

    def opened(self, name: str, attrs: dict[str, str]) -> None:
        pass

    def closed(self, name: str) -> None:
        pass

    def read(self) -> None:
        self.book.parse(self.part, self.start, self.end)


def _resolve(folder: str, target: str) -> str:
    """A relationship's target as the name of a zip member."""
    if target.startswith("/"):
        return posixpath.normpath(target.lstrip("/"))
    return posixpath.normpath(posixpath.join(folder, target))


class Relations(Walk):
    """A part's relationships: (kind, part) by id, and the first of each kind by kind. No
    more are kept than the zip has parts: more is no workbook."""

    def __init__(self, book: Book, source: str) -> None:
        self.folder, name = posixpath.split(source)
        super().__init__(book, posixpath.join(self.folder, "_rels", name + ".rels"))
        self.by_id: dict[str, tuple[str, str]] = {}
        self.by_kind: dict[str, str] = {}
        if book.has(self.part):
            self.read()

    def opened(self, name: str, attrs: dict[str, str]) -> None:
        if name != "Relationship" or attrs.get("TargetMode") == "External":
            return
        kind = attrs.get("Type", "").rsplit("/", 1)[-1]
        target = _resolve(self.folder, attrs.get("Target", ""))
        self.by_id[attrs.get("Id", "")] = (kind, target)
        self.by_kind.setdefault(kind, target)
        if len(self.by_id) > len(self.book.parts) + 8:
            raise damaged(self.book.where, f"its part {self.part} names more parts than it has")

    def part_of(self, kind: str) -> str | None:
        return self.by_kind.get(kind)


class Sheets(Walk):
    """The workbook's sheets (name and relationship id, in order) and its date epoch."""

    def __init__(self, book: Book, part: str) -> None:
        from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

        super().__init__(book, part)
        self.sheets: list[tuple[str, str]] = []
        self.epoch = CALENDAR_WINDOWS_1900
        self.ids = [f"{ns}{SEPARATOR}id" for ns in RELATIONS]
        self.read()

    def opened(self, name: str, attrs: dict[str, str]) -> None:
        if name == "sheet" and self.depth == 3:  # workbook, sheets, sheet
            rid = next((attrs[i] for i in self.ids if i in attrs), "")
            self.sheets.append((attrs.get("name", ""), rid))
            if len(self.sheets) > len(self.book.parts):  # each sheet is a part of its own
                raise damaged(
                    self.book.where, f"its part {self.part} names more sheets than it has"
                )
        elif name == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
            from openpyxl.utils.datetime import CALENDAR_MAC_1904

            self.epoch = CALENDAR_MAC_1904


class SharedStrings(Walk):
    """The workbook's shared strings (a cell of type "s" holds an index into them), as
    openpyxl reads them: the text of <si><t> and of its runs <si><r><t>, not phonetic hints.

    Its handlers replace `Walk`'s: a workbook may share millions of strings."""

    def __init__(self, book: Book, part: str | None) -> None:
        import pyarrow as pa

        super().__init__(book, part or "")
        self.texts = Texts(lambda: f"{book.where}, shared string {self.count + 1:,}")
        self.chunks: list[pa.Array] = []
        self.batch: list[str] = []
        self.count = 0
        self.in_run = False
        if part is not None and book.has(part):
            book.parse(part, self.start, self.end, self.texts.add)
        self.strings = pa.concat_arrays([*self.chunks, pa.array(self.batch, pa.string())])

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth = depth = self.depth + 1
        if depth > 2:
            code = CODES.get(name)
            if code == TEXT and (depth == 3 or (depth == 4 and self.in_run)):
                self.texts.on = True
            elif code == RUN and depth == 3:
                self.in_run = True
            elif depth > MAX_DEPTH:
                raise damaged(self.book.where, f"its part {self.part} is nested too deep")

    def end(self, name: str) -> None:
        self.depth = depth = self.depth - 1
        self.texts.on = False
        if depth == 1 and name in STRING_ITEM:  # the end of an <si>
            self.batch.append(self.texts.take().replace("x005F_", ""))  # as openpyxl does
            self.count += 1
            if len(self.batch) >= CHUNK:
                self._flush()
        elif depth == 2:
            self.in_run = False

    def _flush(self) -> None:
        import pyarrow as pa

        self.chunks.append(pa.array(self.batch, pa.string()))
        self.batch = []


class DateStyles(Walk):
    """For each cell style (by index), whether it shows a number as a date, and as a
    duration, as openpyxl decides it. Kept in arrays: a style sheet may declare many."""

    def __init__(self, book: Book, part: str | None) -> None:
        from array import array

        super().__init__(book, part or "")
        self.custom_ids, self.custom_kinds, self.formats = array("q"), bytearray(), array("q")
        self.in_cell_styles = False
        if part is not None and book.has(part):
            self.read()
        kinds = _style_kinds(self.custom_ids, bytes(self.custom_kinds), self.formats)
        self.dates, self.durations = bytes(kinds & 1), bytes(kinds >> 1)

    def opened(self, name: str, attrs: dict[str, str]) -> None:
        from openpyxl.styles.numbers import is_date_format, is_timedelta_format

        if name == "numFmt":
            code = attrs.get("formatCode")
            self.custom_ids.append(whole(attrs.get("numFmtId")))
            self.custom_kinds.append(is_date_format(code) + 2 * is_timedelta_format(code))
        elif name == "cellXfs":
            self.in_cell_styles = True
        elif name == "xf" and self.in_cell_styles:
            self.formats.append(whole(attrs.get("numFmtId")))

    def closed(self, name: str) -> None:
        if name == "cellXfs":
            self.in_cell_styles = False


def _style_kinds(custom_ids: Any, custom_kinds: bytes, formats: Any) -> Any:
    """Each style's kind (1 date, 2 duration) from its number format: a custom format (the
    last declared with its id) wins over the built-in one. Vectorised: a style sheet may
    declare many."""
    import numpy as np
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    builtin = np.zeros(max(BUILTIN_FORMATS) + 1, dtype=np.uint8)
    for i, code in BUILTIN_FORMATS.items():
        builtin[i] = is_date_format(code) + 2 * is_timedelta_format(code)
    styles = np.array(formats, dtype=np.int64)
    inside = (styles >= 0) & (styles < len(builtin))
    kinds = np.where(inside, builtin[np.clip(styles, 0, len(builtin) - 1)], 0).astype(np.uint8)
    ids = np.array(custom_ids, dtype=np.int64)
    if len(ids):
        known, first = np.unique(ids[::-1], return_index=True)
        known_kinds = np.frombuffer(custom_kinds, dtype=np.uint8)[len(ids) - 1 - first]
        at = np.minimum(np.searchsorted(known, styles), len(known) - 1)
        kinds = np.where(known[at] == styles, known_kinds[at], kinds).astype(np.uint8)
    return kinds
