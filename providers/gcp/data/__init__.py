"""Data shipped with the GCP provider: the catalogue of predefined IAM roles and their permissions.

``predefined_roles.json`` holds, for the security-relevant predefined roles, the
``includedPermissions`` the IAM API reports. Roles too large to ship in full
(``roles/owner``, ``roles/editor``, ``roles/viewer``, ``roles/compute.admin``...)
are marked ``complete: false`` and given as glob patterns (``*`` matches any
characters) minus ``excluded`` patterns, with a ``note`` saying what the
abbreviation stands for.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any


@lru_cache(maxsize=1)
def predefined_roles() -> dict[str, dict[str, Any]]:
    """The catalogue: role name -> {title, permissions, complete?, excluded?, note?}."""
    text = resources.files(__name__).joinpath("predefined_roles.json").read_text("utf-8")
    roles = json.loads(text)["roles"]
    return {str(name): dict(entry) for name, entry in roles.items()}


def complete_role_names() -> frozenset[str]:
    """Predefined roles whose full permission list the catalogue ships (patterns excluded)."""
    return frozenset(name for name, entry in predefined_roles().items() if entry.get("complete", True))
