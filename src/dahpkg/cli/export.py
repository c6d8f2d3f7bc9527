"""`dahpkg export`: the supplementary bundle, its metadata, and one command per format of the
export format registry (`dahpkg.export.formats.FORMATS`)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from dahpkg.cli.options import (
    RegistryGroup,
    input_options,
    opened,
    output_option,
    release_options,
    user_errors,
)

if TYPE_CHECKING:
    from dahpkg.export.formats import Format


def _format_commands() -> list[click.Command]:
    from dahpkg.export.formats import FORMATS

    return [_single_file_command(f) for f in FORMATS]


@click.group(cls=RegistryGroup, registry=_format_commands)
def export() -> None:
    """Write the journal's supplementary bundle, or one file of it, from a valid package.

    \b
    Examples:
      dahpkg export supplement --output supplement.zip
      dahpkg export sav --output episodes.sav
      dahpkg export codebook --output codebook.html
    """


@export.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@output_option("zip (default: NAME-VERSION-supplement.zip here)")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@release_options
@user_errors
def supplement(path: Path | None, output: Path | None, force: bool, risk_accepted: str | None,
               generalise: str | None, not_identifiers: tuple[str, ...]) -> None:  # fmt: skip
    """The supplementary zip: data, package, codebook, XLSX, SAV, DTA, Parquet, README,
    CITATION.cff, LICENSE, the disclosure-risk assessment and checksums. Deterministic: the
    same package gives the same bytes.

    Only a package that validates and passes the disclosure-risk check is exported (exit 1
    with the reason otherwise; see `dahpkg privacy`).

    \b
    Example:
      dahpkg export supplement --output supplement.zip \\
        --risk-accepted "consent obtained; the same data are printed in Table I of the letter"
    """
    from dahpkg.export import export_supplement
    from dahpkg.progress import Progress

    progress = Progress()
    try:
        bundle = export_supplement(path, output, force=force, risk_accepted=risk_accepted,
                                   generalise=generalise, not_identifiers=not_identifiers,
                                   progress=progress.step)  # fmt: skip
    finally:
        progress.done()
    for name, size in bundle.files.items():
        click.echo(f"{size:>9,}  {name}")
    click.echo(f"{bundle.path}: {len(bundle.files)} files, sha256 {bundle.sha256}")
    for note in bundle.notes:
        click.echo(note)


@export.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("metadata"),
    show_default=True,
    help="The folder to write into.",
)
@click.option("--force", is_flag=True, help="Replace existing files.")
@release_options
@user_errors
def metadata(path: Path | None, output: Path, force: bool, risk_accepted: str | None,
             generalise: str | None, not_identifiers: tuple[str, ...]) -> None:  # fmt: skip
    """FAIR metadata derived from the package: DataCite (JSON and XML), schema.org JSON-LD,
    CITATION.cff, RO-Crate and the Zenodo deposit metadata.

    Facts only the authors can give (DOIs, ORCID iDs, the confirmed licence, the Zenodo
    community) come from publication.toml beside datapackage.json; those still empty are listed
    and left out, never invented.

    The Zenodo metadata carry the disclosure-risk assessment in their notes, so the package
    passes the same check as the data (see `dahpkg privacy`).

    \b
    Example:
      dahpkg export metadata --output metadata/ --risk-accepted "consent obtained"
    """
    from dahpkg.export.metadata import export_metadata

    result = export_metadata(path, output, force=force, risk_accepted=risk_accepted,
                             generalise=generalise, not_identifiers=not_identifiers)  # fmt: skip
    for name, data in result.files.items():
        click.echo(f"{len(data):>9,}  {output / name}")
    for note in result.notes:
        click.echo(note)
    for fact in result.unknown:
        click.echo(f"unknown, left out: {fact}")


def _example_output(fmt: Format) -> str:
    """The file an example writes: the format's last file in the bundle."""
    files = [name for name, _ in fmt.bundle_files()] or [f"episodes{fmt.variants[0].suffix}"]
    return files[-1]


def _single_file_command(fmt: Format) -> click.Command:
    """The command ``dahpkg export NAME`` of a format of the registry."""

    @click.command(name=fmt.name, help=f"""{fmt.help}

    Only a package that validates and passes the disclosure-risk check is exported (exit 1
    with the reason otherwise; see `dahpkg privacy`).

    \b
    Example:
      dahpkg export {fmt.name} --output {_example_output(fmt)} \\
        --generalise ages=10y --risk-accepted "consent obtained"
    """)  # fmt: skip
    @click.argument("path", required=False, type=click.Path(path_type=Path))
    @input_options
    @click.option(
        "--output",
        "-o",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The file to write.",
    )
    @click.option("--force", is_flag=True, help="Replace an existing output file.")
    @release_options
    @user_errors
    def command(path: Path | None, output: Path, force: bool, risk_accepted: str | None,
                generalise: str | None, not_identifiers: tuple[str, ...],
                sheet: str | None = None, encoding: str | None = None) -> None:  # fmt: skip
        from dahpkg.export import export_file

        source = opened(path, sheet, encoding)
        written = export_file(fmt.name, source, output, force=force, risk_accepted=risk_accepted,
                              generalise=generalise, not_identifiers=not_identifiers)  # fmt: skip
        click.echo(f"{written}: {written.stat().st_size:,} bytes")

    return command
