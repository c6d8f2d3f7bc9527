"""A file's checksum as a repository computed it, in the repository's algorithm, and the bundle
file's own in the same algorithm, to compare them.

Zenodo and InvenioRDM compute MD5; a Dataverse installation computes MD5, SHA-1, SHA-256 or
SHA-512 (``:FileFixityChecksumAlgorithm``, DataFile.ChecksumType), and says which with each
file (``checksum: {type, value}``). A client cannot send its own for a native upload: the file is
verified by hashing the bundle's bytes in the algorithm the server names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from dahpkg.deposit.redact import server_text
from dahpkg.errors import DepositError

# As Dataverse names them (DataFile.ChecksumType's text) -> hashlib's name.
ALGORITHMS = {"MD5": "md5", "SHA-1": "sha1", "SHA-256": "sha256", "SHA-512": "sha512"}
CHUNK = 1 << 20  # bytes hashed at a time: a large file is never copied whole


@dataclass(frozen=True)
class Checksum:
    """A checksum as the server gave it ("" for none yet)."""

    value: str
    algorithm: str = "MD5"

    @property
    def kind(self) -> str:
        """Its algorithm, as messages name it ("md5", "sha-256"): the server's word."""
        return server_text(self.algorithm.lower() or "no checksum", 20)


def digest(data: bytes, algorithm: str) -> str:
    """``data``'s checksum in ``algorithm`` (a name of `ALGORITHMS`), hashed in chunks.

    >>> digest(b"abc", "SHA-1")
    'a9993e364706816aba3e25717850c26c9cd0d89d'
    """
    hashed = hashlib.new(ALGORITHMS[algorithm])
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        hashed.update(view[start : start + CHUNK])
    return hashed.hexdigest()


class Local:
    """The bundle's files (name -> bytes, whose md5 is known), hashed in whichever algorithm a
    server names, each file at most once per algorithm."""

    def __init__(self, files: Mapping[str, bytes], md5: Mapping[str, str]) -> None:
        self.files = files
        self.known = {(name, "MD5"): value for name, value in md5.items()}

    def of(self, name: str, algorithm: str) -> str:
        """The file ``name``'s checksum in ``algorithm``; `DepositError` (exit 3) for an
        algorithm dahpkg cannot compute: the file cannot be verified, so the run stops."""
        kind = algorithm.strip().upper()
        if kind not in ALGORITHMS:
            raise DepositError(
                f"checking {name}: the server gives its checksum in "
                f"{server_text(repr(algorithm), 40)}, which dahpkg cannot compute (it verifies "
                f"{', '.join(ALGORITHMS)}), so the file cannot be verified. The files are kept "
                "on the draft, unverified, and nothing was published: ask the repository's "
                "administrators which checksum algorithm it uses"
            )
        if (name, kind) not in self.known:
            self.known[name, kind] = digest(self.files[name], kind)
        return self.known[name, kind]

    def matches(self, name: str, checksum: Checksum) -> bool:
        """Whether the server's ``checksum`` is that of the bundle's file ``name``."""
        return self.of(name, checksum.algorithm) == checksum.value.strip().lower()
