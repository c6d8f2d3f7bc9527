"""The Data Package v2 profiles (JSON Schema, in ``profiles/``) every descriptor and Table
Schema dahpkg reads is checked against, so that a malformed one is a one-line input error."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dahpkg.errors import InputError

PROFILES = Path(__file__).parent / "profiles"


@functools.cache
def _profile_validator(profile: str) -> Any:
    import jsonschema

    schema = json.loads((PROFILES / profile).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def check_profile(descriptor: Mapping[str, Any], profile: str, where: str) -> None:
    """Raise `InputError` naming the first place where ``descriptor`` breaks a v2 profile."""
    import jsonschema

    error = jsonschema.exceptions.best_match(_profile_validator(profile).iter_errors(descriptor))
    if error is not None:
        place = "/".join(str(p) for p in error.absolute_path) or "the top level"
        reason = error.message if len(error.message) <= 120 else "it has the wrong shape"
        raise InputError(f"{where} does not follow the {profile} v2 profile at {place}: {reason}")
