"""What a deposit did, or, in a dry run, would do."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Outcome:
    """What a deposit did, or (dry run) would do."""

    server: str
    state_file: Path
    deposition: int | str | None = None
    html: str = ""
    doi: str = ""  # once published
    reserved_doi: str = ""
    cited_doi: str = ""  # the DOI every file of the bundle cites ("" for none)
    bundle: str = ""  # the bundle's zip, as built for this deposit and uploaded
    bundle_sha256: str = ""
    published: bool = False
    resumed: bool = False
    uploaded: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    planned: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
