"""A whole deposit session against the local InvenioRDM test double, through the real CLI.

A crash mid-upload and a rerun, a publication whose answer is lost, a new version, a dry run
and a lost state file, with the server's own counts after each step. Run it from a checkout
with dahpkg installed::

    python tests/support/invenio_session.py
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
from support.invenio_double import TOKEN, InvenioDouble  # noqa: E402

REASON = "consent obtained; the same data are printed in Table I of the letter"


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="dahpkg-invenio-session-"))
    double = InvenioDouble().start()
    env = {**os.environ, "INVENIO_TOKEN": TOKEN}
    state = work / "state.json"
    common = ["--base-url", double.url, "--state-file", str(state), "--risk-accepted", REASON,
              "--publisher", "Local InvenioRDM"]  # fmt: skip

    def dahpkg(*args: str) -> None:
        shown = " ".join([*args, ""])
        print(f'$ dahpkg deposit invenio {shown}--base-url $DOUBLE --state-file state.json '
              '--risk-accepted "..." --publisher "Local InvenioRDM"')  # fmt: skip
        done = subprocess.run(["dahpkg", "deposit", "invenio", *args, *common], env=env,
                              capture_output=True, text=True, cwd=work)  # fmt: skip
        print(done.stdout + done.stderr + f"(exit {done.returncode})\n")

    def count(method: str, ending: str) -> int:
        return sum(1 for r in double.requests if r.method == method and r.path.endswith(ending))

    print("# 1. crash during the upload (the client is killed while the server is slow), rerun")
    double.inject("PUT", r"episodes\.sav/content$", "delay")
    client = subprocess.Popen(["dahpkg", "deposit", "invenio", *common], env=env, cwd=work,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    while not any(r.path.endswith("episodes.sav/content") for r in double.requests):
        time.sleep(0.05)
    client.kill()
    client.wait()
    (dep,) = double.live()
    print(f"killed (SIGKILL) while uploading episodes.sav: record {dep.id}, "
          f"{len(dep.committed)} of 19 files committed, {len(dep.files) - len(dep.committed)} "
          f"pending, {count('POST', '/api/records')} create request, DOI reserved "
          f"{dep.doi}\n")  # fmt: skip
    dahpkg()
    print(f"records on the server: {len(double.live())}; "
          f"create requests: {count('POST', '/api/records')}; files committed: "
          f"{len(dep.committed)} of {len(dep.files)}\n")  # fmt: skip

    print("# 2. publish (an HTML 504 comes back although the publication happened)")
    double.inject("POST", r"/draft/actions/publish$", "504-after")
    dahpkg("--publish")
    print(f"publish requests: {count('POST', '/actions/publish')}; deposition state: "
          f"{'published' if dep.published else 'draft'}, DOI {dep.doi}\n")  # fmt: skip

    print("# 3. a new version (version 0.2.0), with a 429 on one upload")
    package = work / "package"
    package.mkdir()
    for part in ("datapackage.json", "publication.toml"):
        shutil.copy2(REPO / part, package / part)
    for part in ("schema", "data"):
        shutil.copytree(REPO / part, package / part)
    descriptor = json.loads((package / "datapackage.json").read_text())
    descriptor["version"] = "0.2.0"
    (package / "datapackage.json").write_text(json.dumps(descriptor, indent=2))
    double.inject("PUT", r"README\.md/content$", "429")
    dahpkg(str(package), "--new-version-of", str(dep.id), "--publish")
    versions = [(d.id, d.index, d.metadata.get("version"), d.published) for d in double.live()
                if d.parent == dep.parent]  # fmt: skip
    print(f"versions of {dep.parent}: {versions}; files-import requests: "
          f"{count('POST', '/draft/actions/files-import')}\n")  # fmt: skip

    print("# 4. dry run of the same command: nothing sent")
    before = len(double.requests)
    dahpkg(str(package), "--new-version-of", str(dep.id), "--dry-run")
    print(f"requests sent by the dry run: {len(double.requests) - before}\n")

    print("# 5. the state file is lost; the same command again")
    state.unlink()
    before = len(double.live())
    dahpkg(str(package), "--new-version-of", str(dep.id), "--publish")
    print(f"records before/after: {before}/{len(double.live())}; "
          f"publish requests in all: {count('POST', '/actions/publish')}\n")  # fmt: skip

    in_url = sum(1 for r in double.requests if TOKEN in r.path or TOKEN in r.query)
    print(f"requests in all: {len(double.requests)}; with the token in the URL: {in_url}; "
          f"token in the state file: {TOKEN in state.read_text()}")  # fmt: skip
    double.stop()
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
