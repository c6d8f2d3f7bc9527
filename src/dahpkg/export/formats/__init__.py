"""The export format registry: one entry per format, the one place to add one.

Each entry names the format (``dahpkg export NAME``), says in a line what it writes, lists its
file variants (suffix, media type, and the line the bundle's README gives the file) and points
to its writer, a function of the prepared release and the suffix asked for. The CLI's export
commands, the supplementary bundle's files and README lines, and the media types in the
metadata are all derived from `FORMATS`.

Adding a format is one entry here and one module beside this one with its ``write``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from dahpkg.export.formats import codebook, parquet, r, statistics, text, workbook

if TYPE_CHECKING:
    from dahpkg.export.release import Prepared

Writer = Callable[["Prepared", str], bytes]


@dataclass(frozen=True)
class Variant:
    """One file a format writes: its suffix, media type, and its line in the bundle README."""

    suffix: str
    media_type: str
    description: str
    also: tuple[str, ...] = ()  # other suffixes that ask for this variant (".htm")


@dataclass(frozen=True)
class Format:
    """An export format: the command's name and help, its file variants (the first is the
    default) and its writer."""

    name: str
    help: str
    variants: tuple[Variant, ...]
    write: Writer
    # The bundle holds it as STEM + suffix of each variant; None when the bundle holds the
    # format's file under the package's own path (the CSV is data/episodes.csv).
    bundle_stem: str | None = "episodes"
    data: bool = True  # a copy of the data (not a description of them, as the codebook is)

    def variant(self, suffix: str) -> Variant:
        """The variant written for an output file ending in ``suffix`` (else the default)."""
        wanted = suffix.lower()
        chosen = (v for v in self.variants if wanted == v.suffix or wanted in v.also)
        return next(chosen, self.variants[0])

    def render(self, prepared: Prepared, suffix: str | None = None) -> bytes:
        """The bytes of this format for ``prepared``, in the variant ``suffix`` selects."""
        return self.write(prepared, self.variant(suffix or "").suffix)

    def bundle_files(self) -> list[tuple[str, Variant]]:
        """The file names this format takes in the bundle, with their variant."""
        if self.bundle_stem is None:
            return []
        return [(f"{self.bundle_stem}{v.suffix}", v) for v in self.variants]


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMATS: tuple[Format, ...] = (
    Format(
        "csv",
        "The episode table as UTF-8 CSV (true/false; text that could run as a formula is "
        "neutralised).",
        (Variant(".csv", "text/csv", "the episode table as CSV"),),
        text.write,
        bundle_stem=None,
    ),
    Format(
        "xlsx",
        "An Excel workbook: sheets data (Yes/No), codebook and rules; header frozen.",
        (Variant(".xlsx", XLSX, "Excel workbook: sheets data (Yes/No), codebook and rules"),),
        workbook.write,
    ),
    Format(
        "sav",
        "An SPSS file with variable labels and value labels.",
        (Variant(".sav", "application/x-spss-sav", "SPSS file with variable and value labels"),),
        statistics.write_sav,
    ),
    Format(
        "dta",
        "A Stata file with variable labels and value labels.",
        (Variant(".dta", "application/x-stata-dta", "Stata file with variable and value labels"),),
        statistics.write_dta,
    ),
    Format(
        "parquet",
        "A Parquet file with typed columns.",
        (
            Variant(
                ".parquet",
                "application/vnd.apache.parquet",
                "Parquet file with typed columns (pandas, R arrow, Spark)",
            ),
        ),
        parquet.write,
    ),
    Format(
        "codebook",
        "The codebook: Markdown, or HTML when the output ends in .html.",
        (
            Variant(
                ".md",
                "text/markdown",
                "codebook: every variable with its values and labels, and the rules",
            ),
            Variant(".html", "text/html", "the same codebook as a web page", also=(".htm",)),
        ),
        codebook.write,
        bundle_stem="codebook",
        data=False,
    ),
    Format(
        "r",
        "An R script, load.R, that reads the CSV with typed columns (readr): yes/no as logical, "
        "categories as factors with their labels, an empty cell as NA.",
        # text/plain: IANA registers no type for R code (R's mime package says text/plain).
        (
            Variant(
                ".R",
                "text/plain",
                'R script: source("load.R") reads data/episodes.csv with typed columns (readr)',
                also=(".r",),
            ),
        ),
        r.write,
        bundle_stem="load",
        data=False,
    ),
)

# Media types of the package's own files, which no format writes.
PACKAGE_MEDIA_TYPES = {
    ".json": "application/json",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain",
    "": "text/plain",
}


def get(name: str) -> Format:
    """The format called ``name``; `ValueError` naming the choices otherwise.

    >>> get("sav").variants[0].media_type
    'application/x-spss-sav'
    """
    for item in FORMATS:
        if item.name == name:
            return item
    raise ValueError(f"unknown export {name!r}; choose one of {', '.join(names())}")


def names() -> tuple[str, ...]:
    """The formats' names, the choices of ``dahpkg export``."""
    return tuple(f.name for f in FORMATS)


def media_type(name: str) -> str:
    """The media type of a file the bundle's metadata describe (a format's file, or one of the
    package's own), by its suffix.

    >>> media_type("episodes.xlsx") == XLSX, media_type("LICENSE")
    (True, 'text/plain')
    """
    types = {**PACKAGE_MEDIA_TYPES, **{v.suffix: v.media_type for f in FORMATS for v in f.variants}}
    return types.get(PurePosixPath(name).suffix, "application/octet-stream")


def render_markdown() -> str:
    """The formats as the README's table: command, file in the bundle, what it is."""
    from dahpkg.validation.catalogue import markdown_row

    lines = ["| command | file in the bundle | media type | what |", "|---|---|---|---|"]
    for fmt in FORMATS:
        files = dict(fmt.bundle_files()) or {f"data/episodes{v.suffix}": v for v in fmt.variants}
        for name, variant in files.items():
            lines.append(markdown_row([f"`dahpkg export {fmt.name}`", f"`{name}`",
                                       variant.media_type, variant.description]))  # fmt: skip
    return "\n".join(lines) + "\n"
