"""Write files atomically: a temporary file beside the target, then a rename."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path: Path, data: bytes, *, replace: bool = True) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one.

    The file gets the permissions a newly created file would (not the temporary file's 0600).
    With ``replace=False`` an existing file is never replaced, even one created meanwhile:
    `FileExistsError` is raised instead.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> write_bytes(p, b"ok"); p.read_bytes()
    b'ok'
    """
    path = Path(path)
    tmp = _staged(path, data)
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the target exists: no check-then-write race
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_all(files: Mapping[Path, bytes], *, replace: bool = True) -> None:
    """Write several files so that either all of them are written or none is.

    Every file is first written beside its target; only then are they moved into place, and a
    failure on the way puts back what was there before. With ``replace=False``, an existing
    target is refused before anything is written (`FileExistsError` naming every one).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> write_all({d / "a": b"1", d / "b": b"2"}); sorted(p.name for p in d.iterdir())
    ['a', 'b']
    """
    if not replace:
        existing = [str(p) for p in files if Path(p).exists()]
        if existing:
            raise FileExistsError(", ".join(existing))
    staged: list[tuple[str, Path]] = []
    placed: list[tuple[Path, str | None]] = []  # a target, and where its old file waits
    try:
        for target, data in files.items():
            staged.append((_staged(Path(target), data), Path(target)))
        for tmp, target in staged:
            old = None
            if replace and target.exists():
                fd, old = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
                os.close(fd)
                os.replace(target, old)
            placed.append((target, old))
            if replace:
                os.replace(tmp, target)
            else:
                os.link(tmp, target)
    except BaseException:
        for target, old in reversed(placed):
            target.unlink(missing_ok=True)
            if old is not None:
                os.replace(old, target)
        raise
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)
    for _, old in placed:
        if old is not None:
            Path(old).unlink(missing_ok=True)


def _staged(path: Path, data: bytes) -> str:
    """``data`` in a temporary file beside ``path``, flushed to disk, with the permissions a new
    file would get."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        # A part of the folder path is a file: not "the target exists", which --force answers.
        raise NotADirectoryError(
            errno.ENOTDIR, "a part of it is a file", str(path.parent)
        ) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_text(path: Path, text: str) -> None:
    """Write ``text`` as UTF-8 with ``\\n`` line endings, atomically."""
    write_bytes(path, text.encode("utf-8"))
