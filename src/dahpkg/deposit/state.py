"""The deposit state file: what earlier runs did, by server, package and version, so that a
rerun after a crash resumes its draft instead of creating a second one. It never holds the
token."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dahpkg import _atomic
from dahpkg.deposit.redact import redact
from dahpkg.errors import InputError
from dahpkg.limits import limit, load_json


def default_state_file(repository: str) -> Path:
    """``$XDG_STATE_HOME/dahpkg/REPOSITORY-deposits.json`` (``~/.local/state`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(base) / "dahpkg" / f"{repository}-deposits.json"


class DepositState:
    """What earlier runs did, by server, package and version. Never holds the token.

    Each save re-reads the file under a lock and replaces only this run's entry, so that
    deposits running at the same time keep each other's drafts.
    """

    def __init__(self, path: Path, repository: str = "the repository") -> None:
        self.path = path
        self.repository = repository
        self.data = self._read()

    def _read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"format": 1, "deposits": {}}
        try:
            # Within the JSON bounds: a damaged or planted state file is refused, not a crash.
            with self.path.open("rb") as handle:
                data = load_json(handle.read(limit("max_json_bytes").value() + 1), "it")
        except (OSError, ValueError, InputError) as exc:
            raise InputError(
                f"the deposit state file {self.path} cannot be read ({exc}); "
                "move it away to start afresh (dahpkg then looks for its deposits on "
                f"{self.repository})"
            ) from None
        deposits = data.get("deposits") if isinstance(data, dict) else None
        if not isinstance(deposits, dict) or not all(
            isinstance(e, dict) and isinstance(e.get("files", {}), dict) for e in deposits.values()
        ):
            raise InputError(
                f"{self.path} is not a dahpkg deposit state file, or an entry of it was damaged: "
                f"move it away (dahpkg then looks for its deposits on {self.repository})"
            )
        result: dict[str, Any] = data
        return result

    def entry(self, key: str) -> dict[str, Any]:
        entry: dict[str, Any] = self.data["deposits"].setdefault(key, {})
        return entry

    def published_before(self, server: str, name: str, version: str) -> tuple[str, Any] | None:
        """The version and deposition of the package ``name`` that a run published last on
        ``server``, when this ``version`` has no entry yet: the record a later version of the
        same package continues, rather than a second one beside it."""
        prefix = f"{server} {name} "
        if self.data["deposits"].get(prefix + version):
            return None
        published = [
            (str(entry.get("updated", "")), key[len(prefix) :], entry["deposition"])
            for key, entry in self.data["deposits"].items()
            if key.startswith(prefix) and " " not in key[len(prefix) :]
            and entry.get("status") == "published" and entry.get("deposition") is not None
        ]  # fmt: skip
        if not published:
            return None
        _, earlier, deposition = max(published, key=lambda p: p[0])
        return earlier, deposition

    def save(self, key: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.path.with_name(self.path.name + ".lock")):
                current = self._read()
                # Whatever a server said is redacted before it is kept (it already is, by
                # the repository's client: this holds for any repository).
                current["deposits"][key] = _redacted(self.data["deposits"][key])
                self.data["deposits"] = {**current["deposits"], key: self.entry(key)}
                text = json.dumps(current, indent=2, sort_keys=True) + "\n"
                _atomic.write_bytes(self.path, text.encode("utf-8"), replace=True)
        except OSError as exc:
            raise InputError(
                f"cannot write the deposit state file {self.path}: {exc.strerror or exc}"
            ) from None


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item) for item in value]
    return value


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on ``path`` (POSIX); elsewhere, no lock."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
