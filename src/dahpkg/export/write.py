"""Writing what an export produced: atomically, and never over an existing file unless asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from dahpkg import _atomic
from dahpkg.errors import InputError
from dahpkg.package import PackageLike

if TYPE_CHECKING:
    from dahpkg.privacy import Generalisation


def write_new(output: Path, data: bytes, *, force: bool) -> None:
    """Write ``data`` atomically; refuse to replace an existing file unless ``force``."""
    try:
        _atomic.write_bytes(output, data, replace=force)
    except FileExistsError:
        raise InputError(f"{output} exists; add --force to replace it") from None
    except OSError as exc:
        raise InputError(f"cannot write {output}: {exc.strerror or exc}") from None


def write_new_files(files: Mapping[Path, bytes], *, force: bool) -> None:
    """Write every file or none (see `write_new`): an existing one is refused before any is
    written, unless ``force``."""
    try:
        _atomic.write_all(files, replace=force)
    except FileExistsError as exc:
        raise InputError(f"{exc}: already there; add --force to replace") from None
    except OSError as exc:
        raise InputError(
            f"cannot write {exc.filename or 'the files'}: {exc.strerror or exc}"
        ) from None


def export_file(kind: str, path: PackageLike, output: str | Path, *, force: bool = False,
                risk_accepted: str | None = None, generalise: str | Generalisation | None = None,
                not_identifiers: Iterable[str] = ()) -> Path:  # fmt: skip
    """Validate the package of ``path``, check its disclosure risk (see
    `dahpkg.export.release.prepare`) and write one export, a format of
    `dahpkg.export.formats.FORMATS`, to ``output``."""
    from dahpkg.export import formats
    from dahpkg.export.release import prepare

    output = Path(output)
    chosen = formats.get(kind)
    prepared = prepare(path, risk_accepted=risk_accepted, generalise=generalise,
                       not_identifiers=not_identifiers)  # fmt: skip
    write_new(output, chosen.render(prepared, output.suffix), force=force)
    return output
