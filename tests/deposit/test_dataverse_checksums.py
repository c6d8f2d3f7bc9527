"""A Dataverse installation may compute SHA-1, SHA-256 or SHA-512 instead of MD5
(``:FileFixityChecksumAlgorithm``); every file is then verified by hashing the bundle's bytes in
the algorithm the listing names, and one it cannot compute stops the run (exit 3)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from dahpkg.cli import main
from dahpkg.deposit.checksum import Checksum, Local, digest

from support.dataverse_double import COLLECTION, TOKEN, DataverseDouble
from support.helpers import CONSENT

README = "README.md"


@pytest.fixture
def double() -> Iterator[DataverseDouble]:
    server = DataverseDouble(lock_seconds=0.01).start()
    yield server
    server.stop()


def cli(double: DataverseDouble, state: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner(env={"DATAVERSE_TOKEN": TOKEN}).invoke(
        main, ["deposit", "dataverse", "--base-url", double.url, "--collection", COLLECTION,
               "--state-file", str(state), "--risk-accepted", CONSENT, *args],
    )  # fmt: skip
    return result.exit_code, result.stdout, result.stderr


def published(double: DataverseDouble) -> bool:
    return any(v.number for d in double.datasets.values() for v in d.versions)


def test_a_sha1_installation_deposits_every_file_verified_in_sha1(
    double: DataverseDouble, tmp_path: Path
) -> None:
    double.algorithm = "SHA-1"
    code, out, err = cli(double, tmp_path / "s.json", "--publish")
    assert code == 0, err
    assert "every checksum matches the server's" in out and "Published: DOI" in out
    (dataset,) = double.datasets.values()
    files = dataset.latest.files
    assert len(files) > 10 and {f.checksum_type for f in files} == {"SHA-1"}
    assert all(f.checksum == hashlib.sha1(f.data).hexdigest() for f in files)
    assert published(double)
    # A rerun on a lost state file recognises the published dataset: nothing is sent again.
    code, out, err = cli(double, tmp_path / "lost.json", "--publish")
    assert code == 0 and "already published" in out, err


def test_a_draft_resumed_keeps_the_files_whose_sha1_matches(
    double: DataverseDouble, tmp_path: Path
) -> None:
    double.algorithm = "SHA-1"
    state = tmp_path / "s.json"
    assert cli(double, state)[0] == 0
    code, out, err = cli(double, state, "--publish")
    assert code == 0, err
    assert "uploaded 0 file(s)" in out and "removed 0" in out and published(double)


def test_a_sha256_listing_that_lies_stops_naming_the_file(
    double: DataverseDouble, tmp_path: Path
) -> None:
    double.algorithm = "SHA-256"
    double.listing_md5[README] = "0" * 64
    code, _, err = cli(double, tmp_path / "s.json", "--publish")
    assert code == 3, err
    assert err.startswith("Error: checking the uploaded files: ")
    assert f"{README}: sha-256 {'0' * 64} on the server" in err
    (dataset,) = double.datasets.values()
    (readme,) = [f for f in dataset.latest.files if f.label == README]
    assert f"{hashlib.sha256(readme.data).hexdigest()} here" in err
    assert not published(double) and "Traceback" not in err


def test_an_algorithm_dahpkg_cannot_compute_stops_with_exit_3(
    double: DataverseDouble, tmp_path: Path
) -> None:
    double.algorithm = "SHA3-256"  # not one Dataverse offers today
    code, _, err = cli(double, tmp_path / "s.json", "--publish")
    assert code == 3, err
    assert "the server gives its checksum in 'SHA3-256', which dahpkg cannot compute" in err
    assert "MD5, SHA-1, SHA-256, SHA-512" in err and "nothing was published" in err
    assert not published(double) and "Traceback" not in err


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-1", "SHA-256", "SHA-512", "sha-256"])
def test_the_local_hash_is_the_servers_algorithm_hashed_in_chunks(algorithm: str) -> None:
    data = bytes(range(256)) * 9000  # over two chunks
    expected = hashlib.new(algorithm.replace("-", "").lower(), data).hexdigest()
    assert digest(data, algorithm.upper()) == expected
    local = Local({"a.bin": data}, {"a.bin": hashlib.md5(data).hexdigest()})
    assert local.matches("a.bin", Checksum(expected.upper(), algorithm))
    assert not local.matches("a.bin", Checksum("0" * len(expected), algorithm))
