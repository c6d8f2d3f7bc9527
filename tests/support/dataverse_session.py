"""A whole deposit session against the local Dataverse test double, through the real CLI.

A crash mid-upload and a rerun, a publication whose answer is lost, a rerun that sends nothing,
a new version with a 429 on one upload, a dry run and a lost state file, with the server's own
counts after each step. Run it from a checkout with dahpkg installed::

    python tests/support/dataverse_session.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from support.dataverse_double import COLLECTION, TOKEN, DataverseDouble  # noqa: E402

REASON = "consent obtained; the same data are printed in Table I of the letter"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dahpkg-dataverse-session-"))
    double = DataverseDouble().start()
    env = {**os.environ, "DATAVERSE_TOKEN": TOKEN}
    state = work / "state.json"
    common = ["--base-url", double.url, "--collection", COLLECTION, "--state-file", str(state),
              "--risk-accepted", REASON]  # fmt: skip

    def dahpkg(*args: str) -> None:
        shown = " ".join([*args, ""])
        print(f"$ dahpkg deposit dataverse {shown}--base-url $DOUBLE --collection {COLLECTION} "
              '--state-file state.json --risk-accepted "..."')  # fmt: skip
        done = subprocess.run(["dahpkg", "deposit", "dataverse", *args, *common], env=env,
                              capture_output=True, text=True, cwd=work)  # fmt: skip
        print(done.stdout + done.stderr + f"(exit {done.returncode})\n")

    def count(method: str, ending: str) -> int:
        return sum(1 for r in double.requests if r.method == method and r.path.endswith(ending))

    def files() -> str:
        (dataset,) = double.datasets.values()
        renamed = [f.label for f in dataset.latest.files if "-1." in f.label or f.original]
        return (f"{len(dataset.latest.files)} files in the latest version, renamed or "
                f"ingested: {renamed or 'none'}")  # fmt: skip

    print("# 1. crash during the upload (the client is killed while the server is slow), rerun")
    double.inject("POST", r"/add$", "delay", after=6)  # the seventh upload is slow
    client = subprocess.Popen(["dahpkg", "deposit", "dataverse", *common], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    while count("POST", "/add") < 7:
        time.sleep(0.05)
    client.kill()
    client.wait()
    time.sleep(double.delay + 0.5)  # the slow add finishes on the server
    print(f"killed (SIGKILL) during the 7th upload: {files()}; "
          f"create requests: {count('POST', '/datasets')}\n")  # fmt: skip
    dahpkg()
    print(f"datasets on the server: {len(double.datasets)}; create requests: "
          f"{count('POST', '/datasets')}; {files()}\n")  # fmt: skip

    print("# 2. publish (an HTML 504 comes back although the publication happened)")
    double.inject("POST", r"/actions/:publish$", "504-after")
    dahpkg("--publish")
    (dataset,) = double.datasets.values()
    print(f"publish requests: {count('POST', '/actions/:publish')}; versions: "
          f"{[v.number for v in dataset.versions]}\n")  # fmt: skip

    print("# 3. the same command again: nothing is sent")
    before = len(double.requests)
    dahpkg("--publish")
    print(f"requests sent: {len(double.requests) - before}\n")

    print("# 4. a new version (version 0.2.0), with a 429 on one upload")
    package = work / "package"
    package.mkdir()
    for part in ("datapackage.json", "publication.toml"):
        shutil.copy2(REPO / part, package / part)
    for part in ("schema", "data"):
        shutil.copytree(REPO / part, package / part)
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = "0.2.0"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    double.inject("POST", r"/add$", "429")
    dahpkg(str(package), "--new-version-of", str(dataset.id), "--publish")
    print(f"versions: {[v.number for v in dataset.versions]}; {files()}\n")

    print("# 5. dry run of the same command: nothing sent")
    before = len(double.requests)
    dahpkg(str(package), "--new-version-of", str(dataset.id), "--dry-run")
    print(f"requests sent by the dry run: {len(double.requests) - before}\n")

    print("# 6. the state file is lost; the same command again")
    state.unlink()
    dahpkg(str(package), "--new-version-of", str(dataset.id), "--publish")
    print(f"datasets: {len(double.datasets)}; versions: {[v.number for v in dataset.versions]}; "
          f"publish requests in all: {count('POST', '/actions/:publish')}\n")  # fmt: skip

    in_url = sum(1 for r in double.requests if TOKEN in r.path or TOKEN in r.query)
    print(f"requests in all: {len(double.requests)}; with the token in the URL: {in_url}; "
          f"token in the state file: {TOKEN in state.read_text()}")  # fmt: skip
    double.stop()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
