"""Exceptions that dahpkg raises for problems a user can fix.

The CLI turns each of them into a one-line message and an exit code, never a traceback.
"""

from __future__ import annotations


class DahpkgError(Exception):
    """Base class: a problem with the user's input or request, explained in one line."""

    exit_code = 2


class InputError(DahpkgError):
    """The input cannot be read: missing path, not UTF-8, malformed JSON, CSV or XLSX."""

    exit_code = 2


class DataError(DahpkgError):
    """The input was read but its content breaks the data dictionary."""

    exit_code = 1


class BuildError(DahpkgError):
    """Table I cannot be turned into the episode table (an unknown term or a misplaced cell)."""

    exit_code = 1


class DepositError(DahpkgError):
    """A deposit failed at the repository or on the network. What was done is kept in the
    deposit state file, and running the same command again resumes it."""

    exit_code = 3
