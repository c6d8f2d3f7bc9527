"""The ``dahpkg`` command line: a thin shell over the Python API.

Exit codes (every command):

- 0: success (for ``validate``: the data are valid; warnings are allowed unless ``--strict``)
- 1: the data break a rule (``validate``), or generated files differ (``build --check``)
- 2: the input cannot be read (missing path, not UTF-8, malformed JSON, CSV or XLSX) or the
  command was used wrongly; a one-line reason is printed, never a traceback
- 3: a deposit failed at the repository or on the network (``deposit``); the state file keeps
  what was done and the same command resumes it
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from dahpkg import __version__
from dahpkg.errors import DahpkgError
from dahpkg.report import DEFAULT_MAX_EXAMPLES

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _user_errors(func: F) -> F:
    """Turn dahpkg's own exceptions into ``Error: ...`` on stderr and their exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DahpkgError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return wrapper  # type: ignore[return-value]


def _write_output(content: str | bytes, output: Path | None) -> None:
    if output is None:
        click.echo(content, nl=False)
        return
    from dahpkg import _atomic
    from dahpkg.errors import InputError

    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        _atomic.write_bytes(output, data)
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None


def output_option(what: str) -> Callable[[F], F]:
    """The ``--output`` option every command shares."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write the {what} to this file instead of standard output.",
    )


def format_option(choices: list[str], default: str, help: str) -> Callable[[F], F]:
    """The ``--format`` option every command shares, with its own choices."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(choices),
        default=default,
        show_default=True,
        help=help,
    )


def release_options(func: F) -> F:
    """``--risk-accepted``, ``--generalise`` and ``--not-identifier``, shared by every command
    that releases data."""
    func = not_identifier_option(func)
    func = click.option(
        "--generalise",
        metavar="ages=<N>y",
        help="Release the ages in bands of N years (the band's first year), every age above "
        "89 as 90; ages=90+ top-codes only. See `dahpkg privacy`.",
    )(func)
    return click.option(
        "--risk-accepted",
        metavar="REASON",
        help="Release although the patients can be re-identified (k below the threshold), "
        "for this reason (consent, data already published); recorded in the bundle README "
        "and the deposit notes. Direct identifiers are never released.",
    )(func)


def not_identifier_option(func: F) -> F:
    return click.option(
        "--not-identifier",
        "not_identifiers",
        multiple=True,
        metavar="TEXT",
        help="A cell text or column name that the privacy check reads as an identifier but "
        "that is not one (an eponymous disease taken for a name); repeatable; recorded in the "
        "bundle.",
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dahpkg")
def main() -> None:
    """Validate and publish the immune-mediated diffuse alveolar haemorrhage case series.

    Run `dahpkg validate` to check the shipped data package, or `dahpkg validate FILE` to check
    your own episodes (CSV or XLSX with the columns of the data dictionary).
    """


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["text", "json", "html"], "text", "Report format.")
@output_option("report")
@click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too.")
@click.option("--quiet", "-q", is_flag=True, help="No progress line on the terminal.")
@click.option(
    "--max-examples",
    type=click.IntRange(min=0),
    default=DEFAULT_MAX_EXAMPLES,
    show_default=True,
    help="Findings listed per rule; failures are always counted in full.",
)
@_user_errors
def validate(
    path: Path | None, fmt: str, output: Path | None, strict: bool, quiet: bool,
    max_examples: int,
) -> None:  # fmt: skip
    """Check episodes against the data dictionary and the clinical rules.

    PATH is a datapackage.json, a folder holding one, or a CSV/XLSX file of episodes (checked
    against the shipped schema). Without PATH, the package that ships with dahpkg is checked.

    \b
    Examples:
      dahpkg validate
      dahpkg validate our_centre.xlsx --format html --output report.html
      dahpkg validate path/to/datapackage.json --format json --strict

    Exit codes: 0 valid, 1 invalid (or warnings with --strict), 2 unreadable input.
    """
    from dahpkg.progress import Progress
    from dahpkg.report import render
    from dahpkg.validation import validate as run

    progress = Progress(enabled=not quiet)
    try:
        report = run(path, max_examples=max_examples, progress=progress.step)
    finally:
        progress.done()
    _write_output(render(report, fmt), output)
    if output is not None:
        click.echo(f"{report.headline()}; report written to {output}")
    sys.exit(EXIT_OK if report.passed(strict=strict) else EXIT_INVALID)


@main.command()
@click.argument(
    "package", required=False, default=".", type=click.Path(file_okay=False, path_type=Path)
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; exit 1 if the files on disk differ from a fresh build.",
)
@_user_errors
def build(package: Path, check: bool) -> None:
    """Rebuild data/episodes.csv and data/inferences.csv from Table I (data/raw/table1.tsv).

    PACKAGE is the folder holding datapackage.json (default: the current folder). The build is
    deterministic: the same Table I always gives the same bytes.

    \b
    Examples:
      dahpkg build
      dahpkg build --check
    """
    from dahpkg.build import build as run

    files = run(package, check=check)
    for item in files:
        if check:
            state = "differs from a fresh build" if item.changed else "up to date"
        else:
            state = "written" if item.changed else "unchanged"
        click.echo(f"{item.path}: {state}")
    if check and any(f.changed for f in files):
        sys.exit(EXIT_INVALID)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["md", "tsv", "html", "docx", "latex"], "md", "Output format; docx needs --output.")
@output_option("table")
@_user_errors
def table1(path: Path | None, fmt: str, output: Path | None) -> None:
    """Render Table I of the letter from the episode table, in the published layout.

    Relapse rows leave the patient-level cells blank, as the letter prints them. Every cell that
    differs from Table I as printed is listed on standard error, documented spelling corrections
    marked as such.

    \b
    Examples:
      dahpkg table1
      dahpkg table1 --format docx --output table1.docx
      dahpkg table1 --format tsv | diff data/raw/table1.tsv -
    """
    from dahpkg.errors import InputError
    from dahpkg.tablei import render

    if fmt == "docx" and output is None:
        raise InputError("a Word document needs a file: add --output table1.docx")
    rendered = render(path, fmt)
    _write_output(rendered.content, output)
    for difference in rendered.differences:
        click.echo(difference.describe(), err=True)
    if output is not None:
        click.echo(f"Table I written to {output}")


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["text", "json"], "text", "Output format.")
@output_option("claims")
@_user_errors
def reproduce(path: Path | None, fmt: str, output: Path | None) -> None:
    """Recompute every number in the letter's text from the data, claim by claim.

    Each claim is a match, a mismatch, or not derivable from the data (lengths of stay, how DAH
    was diagnosed). Mismatches that are discrepancies of the letter itself (its text and Table I
    disagree) are documented in the claim's note.

    \b
    Examples:
      dahpkg reproduce
      dahpkg reproduce --format json --output claims.json

    Exit codes: 0 every mismatch is a documented discrepancy of the letter, 1 otherwise.
    """
    from dahpkg.claims import render_json, render_text
    from dahpkg.claims import reproduce as run

    result = run(path)
    _write_output((render_json if fmt == "json" else render_text)(result), output)
    if output is not None:
        click.echo(f"{result.headline()}; written to {output}")
    sys.exit(EXIT_OK if result.reproduced else EXIT_INVALID)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--by",
    type=click.Choice(["group", "diagnosis", "none"]),
    default="group",
    show_default=True,
    help="Columns: disease group (AAV vs SLE), each diagnosis, or overall only.",
)
@format_option(["text", "md", "html", "csv"], "text", "Output format.")
@output_option("table")
@_user_errors
def summary(path: Path | None, by: str, fmt: str, output: Path | None) -> None:
    """Describe the cohort: counts with denominators, medians with quartiles, by disease group.

    Patient-level variables (sex, race, diagnosis, age at diagnosis, inaugural DAH, relapse,
    survival) are counted per patient; everything else per episode.

    \b
    Examples:
      dahpkg summary
      dahpkg summary --by diagnosis --format md
      dahpkg summary --format csv --output summary.csv
    """
    from dahpkg.summary import RENDERERS, summarise

    _write_output(RENDERERS[fmt](summarise(path, by)), output)
    if output is not None:
        click.echo(f"Cohort summary written to {output}")


@main.group()
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
@_user_errors
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
@_user_errors
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
    from dahpkg.metadata import export_metadata

    result = export_metadata(path, output, force=force, risk_accepted=risk_accepted,
                             generalise=generalise, not_identifiers=not_identifiers)  # fmt: skip
    for name, data in result.files.items():
        click.echo(f"{len(data):>9,}  {output / name}")
    for fact in result.unknown:
        click.echo(f"unknown, left out: {fact}")


def _example_output(kind: str) -> str:
    return "codebook.html" if kind == "codebook" else f"episodes.{kind}"


def _single_file_command(kind: str, what: str) -> None:
    @export.command(name=kind, help=f"""{what}

    Only a package that validates and passes the disclosure-risk check is exported (exit 1
    with the reason otherwise; see `dahpkg privacy`).

    \b
    Example:
      dahpkg export {kind} --output {_example_output(kind)} \\
        --generalise ages=10y --risk-accepted "consent obtained"
    """)  # fmt: skip
    @click.argument("path", required=False, type=click.Path(path_type=Path))
    @click.option(
        "--output",
        "-o",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="The file to write.",
    )
    @click.option("--force", is_flag=True, help="Replace an existing output file.")
    @release_options
    @_user_errors
    def command(path: Path | None, output: Path, force: bool, risk_accepted: str | None,
                generalise: str | None, not_identifiers: tuple[str, ...]) -> None:  # fmt: skip
        from dahpkg.export import export_file

        written = export_file(kind, path, output, force=force, risk_accepted=risk_accepted,
                              generalise=generalise, not_identifiers=not_identifiers)  # fmt: skip
        click.echo(f"{written}: {written.stat().st_size:,} bytes")


for _kind, _what in (
    ("csv", "The episode table as UTF-8 CSV (true/false; text that could run as a formula is "
            "neutralised)."),
    ("xlsx", "An Excel workbook: sheets data (Yes/No), codebook and rules; header frozen."),
    ("sav", "An SPSS file with variable labels and value labels."),
    ("dta", "A Stata file with variable labels and value labels."),
    ("parquet", "A Parquet file with typed columns."),
    ("codebook", "The codebook: Markdown, or HTML when the output ends in .html."),
):  # fmt: skip
    _single_file_command(_kind, _what)


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["text", "json"], "text", "Output format.")
@click.option("--strict", is_flag=True, help="Exit 1 if any metric fails.")
@_user_errors
def fair(path: Path | None, fmt: str, strict: bool) -> None:
    """Self-assess the deposit against the FAIRsFAIR metrics that can be checked offline.

    For each metric (F1-F4, A1, I1-I3, R1-R1.3): pass or fail, the evidence, and what to do to
    pass. Exit 0 unless --strict and a metric fails.

    \b
    Examples:
      dahpkg fair
      dahpkg fair --format json --strict
    """
    from dahpkg.fair import assess, render_json, render_text

    result = assess(path)
    click.echo((render_json if fmt == "json" else render_text)(result), nl=False)
    sys.exit(EXIT_INVALID if strict and result.failed else EXIT_OK)


@main.group()
def deposit() -> None:
    """Deposit the supplementary bundle in a repository, for a DOI.

    \b
    Examples:
      dahpkg deposit zenodo --sandbox --dry-run
      dahpkg deposit zenodo --sandbox --risk-accepted "consent obtained" --publish
    """


@deposit.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option("--sandbox", is_flag=True, help="Use sandbox.zenodo.org (its own account and token).")
@click.option(
    "--base-url",
    metavar="URL",
    help="The deposit API of another Zenodo (default https://zenodo.org/api).",
)
@click.option(
    "--publish",
    is_flag=True,
    help="Publish the deposition (a DOI is minted; it cannot be undone). Without it, "
    "the draft is left for you to check and its address is printed.",
)
@click.option("--dry-run", is_flag=True, help="Print the planned requests; send nothing.")
@click.option(
    "--new-version-of",
    type=click.IntRange(min=1),
    metavar="ID",
    help="Deposit as a new version of this published deposition (the latest one).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Read the token from this file instead of ZENODO_TOKEN.",
)
@click.option(
    "--state-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to remember drafts between runs (default "
    "~/.local/state/dahpkg/zenodo-deposits.json).",
)
@release_options
@_user_errors
def zenodo(path: Path | None, sandbox: bool, base_url: str | None, publish: bool,
           dry_run: bool, new_version_of: int | None, token_file: Path | None,
           state_file: Path | None, risk_accepted: str | None,
           generalise: str | None, not_identifiers: tuple[str, ...]) -> None:  # fmt: skip
    """Deposit on Zenodo: validate, check the disclosure risk, build the bundle and its
    metadata, create a draft (or a new version's draft), upload every file and check its md5
    against the server's, set the metadata, and publish only with --publish.

    The token comes from ZENODO_TOKEN or --token-file and is sent only in the Authorization
    header. A rerun resumes the draft of an interrupted run (the state file remembers it) and
    never creates a second deposition. Exit 3 when Zenodo or the network fails.

    \b
    Examples:
      dahpkg deposit zenodo --sandbox --dry-run
      ZENODO_TOKEN=... dahpkg deposit zenodo --sandbox --risk-accepted "consent obtained"
      dahpkg deposit zenodo --new-version-of 123456 --token-file ~/.zenodo-token --publish
    """
    from dahpkg.errors import InputError
    from dahpkg.progress import Progress
    from dahpkg.zenodo import SANDBOX_URL, ZENODO_URL, check_base_url, read_token
    from dahpkg.zenodo import deposit as run_deposit

    if sandbox and base_url:
        raise InputError("give either --sandbox or --base-url, not both")
    server = check_base_url(SANDBOX_URL if sandbox else (base_url or ZENODO_URL))
    token = None if dry_run else read_token(token_file)
    progress = Progress()
    try:
        outcome = run_deposit(path, base_url=server, token=token, publish=publish,
                              dry_run=dry_run, new_version_of=new_version_of,
                              risk_accepted=risk_accepted, generalise=generalise,
                              not_identifiers=not_identifiers, state_file=state_file,
                              progress=progress.step)  # fmt: skip
    finally:
        progress.done()
    for note in outcome.notes:
        click.echo(note)
    if dry_run:
        if outcome.planned:
            click.echo(f"Dry run: nothing sent to {server}. The requests a deposit would make:")
            for line in outcome.planned:
                click.echo(f"  {line}")
        return
    if outcome.uploaded or outcome.kept or outcome.removed:
        click.echo(f"Zenodo deposition {outcome.deposition}"
                   f" ({'resumed' if outcome.resumed else 'new draft'}) on {server}")  # fmt: skip
        click.echo(f"  uploaded {len(outcome.uploaded)} file(s), {outcome.bytes_sent:,} bytes; "
                   f"kept {len(outcome.kept)} already there; removed {len(outcome.removed)}; "
                   "every md5 matches the server's")  # fmt: skip
        click.echo("  metadata set")
    if outcome.published:
        click.echo(f"Published: DOI {outcome.doi} {outcome.html}")
    else:
        click.echo(f"Draft left unpublished (check it, then rerun with --publish): {outcome.html}")
        if outcome.reserved_doi:
            click.echo(f"  reserved DOI, live once published: {outcome.reserved_doi}")
    click.echo(f"State: {outcome.state_file}")


@main.command()
@click.argument("path", required=False, type=click.Path(path_type=Path))
@format_option(["text", "json"], "text", "Report format.")
@click.option(
    "--generalise",
    metavar="ages=<N>y",
    help="Also assess the release with ages in bands of N years (and 90+).",
)
@click.option(
    "--min-k",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="The smallest group of patients sharing every quasi-identifier that is "
    "accepted without --risk-accepted.",
)
@not_identifier_option
@output_option("report")
@_user_errors
def privacy(path: Path | None, fmt: str, generalise: str | None, min_k: int,
            not_identifiers: tuple[str, ...], output: Path | None) -> None:  # fmt: skip
    """Check the disclosure risk before anything leaves the machine.

    Direct identifiers (names, e-mail addresses, phone numbers, full dates, record numbers,
    addresses) in column names and cells of every table; k-anonymity, unique patients and
    l-diversity per patient over the quasi-identifiers the schema declares; the HIPAA Safe
    Harbor conditions; what drives the risk and what would lower it.

    Exit 0 when an export would pass; 1 when it would be blocked (a direct identifier, or a
    risk above the threshold that needs --risk-accepted); 2 when the input cannot be read.

    \b
    Examples:
      dahpkg privacy
      dahpkg privacy their_file.xlsx --generalise ages=10y
    """
    from dahpkg.privacy import check, render_json, render_text

    report = check(path, generalise=generalise, min_k=min_k, not_identifiers=not_identifiers)
    _write_output((render_json if fmt == "json" else render_text)(report), output)
    if output is not None:
        click.echo(f"{report.headline()}; report written to {output}")
    sys.exit(EXIT_INVALID if report.blocks else EXIT_OK)


@main.command()
@format_option(["text", "markdown", "json"], "text", "Catalogue format.")
def rules(fmt: str) -> None:
    """List the rule catalogue: id, severity, description and basis of every rule.

    \b
    Example:
      dahpkg rules --format markdown
    """
    from dahpkg.catalogue import render_rules

    click.echo(render_rules(fmt), nl=False)


if __name__ == "__main__":  # pragma: no cover
    main()
