"""`dahpkg validate`: check episodes against the data dictionary and the clinical rules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dahpkg.cli.options import (
    EXIT_INVALID,
    EXIT_OK,
    format_option,
    input_options,
    opened,
    report_output_options,
    user_errors,
    write_output,
)
from dahpkg.errors import DahpkgError, InputError
from dahpkg.validation.report import DEFAULT_MAX_EXAMPLES


@click.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@input_options
@format_option(["text", "json", "html"], "text", "Report format.")
@report_output_options("report")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option(
    "--annotate",
    metavar="CHECKED.xlsx",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the data back as a workbook, each problem marked on its cell with a "
    "note, and a findings sheet linking to them (--force replaces it).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress line on the terminal.")
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Findings listed per rule; failures are always counted in full.",
)
@click.option(
    "--confirmations",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV of confirmed exceptions (patient_id, episode, rule, reason) for a loose file; "
    "a package carries its own as its 'confirmations' resource.",
)
@user_errors
def validate(
    path: Path | None, fmt: str, output: Path | None, force: bool, strict: bool, quiet: bool,
    max_examples: int, annotate: Path | None = None, confirmations: Path | None = None,
    sheet: str | None = None, encoding: str | None = None,
) -> None:  # fmt: skip
    """Check episodes against the data dictionary and the clinical rules.

    PATH is a datapackage.json, a folder holding one, or a file of episodes (.csv, .tsv, .txt
    or .xlsx, checked against the shipped schema). Without PATH, the package that ships with
    dahpkg is checked.

    \b
    Examples:
      dahpkg validate
      dahpkg validate our_centre.xlsx --format html --output report.html
      dahpkg validate path/to/datapackage.json --format json --strict
      dahpkg validate our_centre.xlsx --annotate checked.xlsx
      dahpkg validate our_centre.xlsx --sheet "Sheet1"
      dahpkg validate saved_by_excel.csv --encoding cp1252

    A reviewed case of a confirmable rule (`dahpkg rules`) is confirmed, with its reason, in
    the package's data/confirmations.csv (or --confirmations FILE): it is then reported as
    confirmed and fails nothing.

    Exit codes: 0 valid, 1 invalid (or warnings with --strict), 2 unreadable input (the
    requested report is still written, saying why).
    """
    from dahpkg.progress import Progress
    from dahpkg.validation import validate as run
    from dahpkg.validation.render import render

    if annotate is not None and path is not None:
        from dahpkg.export.annotate import check_target

        check_target([path], annotate, force=force)  # before the work, not after it
    progress = Progress(enabled=not quiet)
    try:
        source = opened(path, sheet, encoding)
        if annotate is not None:  # the annotated copy reads the same package, opened once
            from dahpkg.package import open_package

            source = open_package(source)
        report = run(source, max_examples=max_examples, progress=progress.step,
                     confirmations=confirmations)  # fmt: skip
    except InputError as exc:
        _unreadable(path, exc, fmt, output, force)
        raise
    finally:
        progress.done()
    write_output(render(report, fmt), output, force=force)
    if output is not None:
        click.echo(f"{report.headline()}; report written to {output}")
    if annotate is not None:
        from dahpkg.export.annotate import annotate as write_annotated

        write_annotated(source, annotate, force=force, confirmations=confirmations)
        click.echo(f"Each finding marked on its cell in {annotate}", err=True)
    sys.exit(EXIT_OK if report.passed(strict=strict) else EXIT_INVALID)


def _unreadable(path: Path | None, exc: InputError, fmt: str, output: Path | None,
                force: bool) -> None:  # fmt: skip
    """An input that cannot be read still gets the report asked for (a file, or JSON/HTML on
    standard output), saying why; the one-line reason follows on standard error."""
    if output is None and fmt == "text":
        return
    from dahpkg.validation.render import render_unreadable

    source = str(path) if path is not None else "the shipped package"
    # When the report cannot be written (it exists, say), the reason is still printed, and
    # a line says the report was not written, so an old one is not mistaken for it.
    try:
        write_output(render_unreadable(source, str(exc), fmt), output, force=force)
    except DahpkgError as failed:
        click.echo(f"The report was not written: {failed}", err=True)
