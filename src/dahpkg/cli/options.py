"""What every command shares: the exit codes, one error handler, and the common options."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from dahpkg.errors import DahpkgError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def user_errors(func: F) -> F:
    """Turn dahpkg's own exceptions into ``Error: ...`` on stderr and their exit code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DahpkgError as exc:
            click.echo(visible(f"Error: {exc}"), err=True)
            sys.exit(exc.exit_code)
        except (RecursionError, MemoryError) as exc:
            # Only an input past every bound dahpkg knows of gets here: say so, exit 2, and
            # leave the traceback out (the limits are in SECURITY.md).
            what = "nested too deeply" if isinstance(exc, RecursionError) else "too large"
            click.echo(
                f"Error: the input is {what} for this machine; see SECURITY.md for dahpkg's "
                "limits, and report the file if it is within them",
                err=True,
            )
            sys.exit(EXIT_UNREADABLE)

    return wrapper  # type: ignore[return-value]


# Control characters a cell may hold: written raw, ESC sequences would drive the terminal (move
# the cursor, rewrite a line, set its title). A CRLF line end is not one of them.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]|\r(?!\n)")


def visible(text: str) -> str:
    r"""``text`` with every control character shown as its escape, so that it cannot act.

    >>> visible("a\x1b[2Jb\tc\r\n")
    'a\\x1b[2Jb\tc\r\n'
    """
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def write_output(content: str | bytes, output: Path | None, *, force: bool = False) -> None:
    """A report to the terminal, or atomically to ``output`` (never over a file unless
    ``force``)."""
    if isinstance(content, str):
        content = visible(content)
    if output is None:
        click.echo(content, nl=False)
        return
    from dahpkg.export.write import write_new

    data = content.encode("utf-8") if isinstance(content, str) else content
    write_new(output, data, force=force)


def output_option(what: str) -> Callable[[F], F]:
    """The ``--output`` option every command shares."""
    return click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"Write the {what} to this file instead of standard output.",
    )


def report_output_options(what: str) -> Callable[[F], F]:
    """``--output`` and ``--force``, for the commands that print a report."""

    def decorate(func: F) -> F:
        func = click.option(
            "--force", is_flag=True, help="Replace the --output file if it exists."
        )(func)
        return output_option(what)(func)

    return decorate


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


def input_options(func: F) -> F:
    """``--sheet`` and ``--encoding``, for the commands that read a loose file of episodes;
    pass them to `opened`."""
    func = click.option(
        "--encoding",
        metavar="NAME",
        help="The encoding of a CSV file that is not UTF-8 or UTF-16 (with its byte-order "
        'mark), e.g. cp1252 for "CSV" saved by Excel on a Western European Windows. A '
        "package's resource declares its own.",
    )(func)
    return click.option(
        "--sheet",
        metavar="NAME",
        help="The sheet of a workbook to read (by default the first whose header has the "
        "data dictionary's columns).",
    )(func)


def opened(path: Path | None, sheet: str | None, encoding: str | None) -> Any:
    """What a command reads: ``path`` itself, or with ``--sheet``/``--encoding`` the package
    opened with them (`dahpkg.package.open_package`), which every public function takes."""
    if sheet is None and encoding is None:
        return path
    from dahpkg.package import open_package

    return open_package(path, sheet=sheet, encoding=encoding)


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


class RegistryGroup(click.Group):
    """A group whose commands come from a registry, made when the group is first used: listing
    dahpkg's commands does not import what the registry's entries do."""

    def __init__(self, *args: Any, registry: Callable[[], list[click.Command]],
                 **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self._registry = registry
        self._made: dict[str, click.Command] | None = None

    def _entries(self) -> dict[str, click.Command]:
        if self._made is None:
            self._made = {c.name or "": c for c in self._registry()}
        return self._made

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._entries()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._entries().get(name)
