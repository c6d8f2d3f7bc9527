"""`dahpkg import`: episodes kept in another system brought into the package's episode table;
`dahpkg import redcap` for a REDCap project's record export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dahpkg.cli.options import EXIT_INVALID, EXIT_OK, user_errors, visible
from dahpkg.redcap.problems import KEEP

MOST_SHOWN = 50  # problems listed by default; the rest are counted


@click.group("import")
def import_() -> None:
    """Bring episodes kept elsewhere into the episode table of the package.

    \b
    Examples:
      dahpkg template --format redcap --output dictionary.csv
      dahpkg import redcap export.csv --dictionary dictionary.csv --output episodes.csv
    """


@import_.command()
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--dictionary",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The project's data dictionary (Project Setup > Data Dictionary > Download), or the "
    "one `dahpkg template --format redcap` wrote.",
)
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The episode table to write (.csv).",
)
@click.option(
    "--package",
    type=click.Path(path_type=Path),
    help="The datapackage.json, or a folder holding one, whose Table Schema the project was "
    "made from (by default the shipped package's).",
)
@click.option(
    "--encoding",
    metavar="NAME",
    help="The encoding of the files when they are neither UTF-8 nor UTF-16 with its mark.",
)
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option(
    "--max-problems",
    type=click.IntRange(min=0),
    default=MOST_SHOWN,
    show_default=True,
    help=f"Problems listed (at most the first {KEEP:,}); all are counted, by field and problem.",
)
@user_errors
def redcap(
    export: Path,
    dictionary: Path,
    output: Path,
    package: Path | None,
    encoding: str | None,
    force: bool,
    max_problems: int,
) -> None:
    """Turn a REDCap record export into the episode table.

    EXPORT is the project's records as a flat CSV file (Data Exports: "CSV / Microsoft Excel",
    raw data or labels, or the API's content=record, type=flat), from a project built from
    `dahpkg template --format redcap`: one record per patient, the patient instrument, and
    the dah_episode instrument repeating (one instance per episode; the instance number is
    the episode number). A project that does not repeat dah_episode yet gives one episode per
    record.

    Every cell must find its place: a value that is no code or label, a column the dictionary
    does not know, an episode without its patient's row and the like are listed at their
    record, instrument, instance and field, and nothing is written. Otherwise the table is
    written (as data/episodes.csv is laid out) and checked as `dahpkg validate` checks it;
    what breaks a rule is reported, and the file is kept for you to compare while you correct
    the records in REDCap (or confirm them).

    \b
    Examples:
      dahpkg import redcap export.csv --dictionary dictionary.csv --output episodes.csv
      dahpkg import redcap export.csv --dictionary dictionary.csv --output episodes.csv \\
        --package our-dah

    Exit codes: 0 written and valid, 1 problems found (nothing written) or the table written
    breaks a rule, 2 unreadable file, a dictionary that does not match the package, or an
    output refused.
    """
    from dahpkg.redcap import check_output, import_redcap, write_episodes
    from dahpkg.validation.render import render

    check_output(output, (export, dictionary), force=force)  # before the work, not after it
    imported = import_redcap(export, dictionary, package, encoding=encoding)
    for note in imported.notes:
        click.echo(visible(note), err=True)
    if not imported.complete:
        listed = imported.messages(max_problems)
        for line in listed:
            click.echo(visible(line))
        count = imported.problem_count
        more = ""
        if count > len(listed):
            # Those not listed are still counted by field and problem, to say where they are.
            for line in imported.tally():
                click.echo(visible(line), err=True)
            kept = len(imported.problems)
            past = f"; only the first {kept:,} are kept" if max_problems > kept else ""
            more = f" ({count - len(listed):,} more not listed{past})"
        click.echo(
            f"{count:,} problem(s) in {export}{more}: nothing was written to {output}. Correct "
            "them in REDCap (or the dictionary) and export the records again.",
            err=True,
        )
        sys.exit(EXIT_INVALID)
    report = write_episodes(imported, output, force=force)
    click.echo(visible(render(report, "text")), nl=False)
    episodes = len(imported.episodes)
    written = f"{episodes:,} episode(s) of {imported.records:,} record(s) written to {output}"
    if report.passed():
        click.echo(written, err=True)
        sys.exit(EXIT_OK)
    click.echo(
        f"{written}; they break the rules listed above: correct them in REDCap (or confirm "
        "them, see `dahpkg validate --help`) and import again.",
        err=True,
    )
    sys.exit(EXIT_INVALID)
