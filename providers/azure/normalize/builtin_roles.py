"""The shipped catalogue of Azure built-in role definitions (``providers/azure/data/builtin_roles.json``).

Role assignments name their role by GUID. When the input lists the definition
(Resource Graph ``authorizationresources`` does, per subscription) that record
wins; the catalogue covers built-in roles an export or a partial collection did
not include, so the grants of Owner, Contributor, Key Vault Secrets User and the
like are known rather than unknown.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "builtin_roles.json"


@lru_cache(maxsize=1)
def builtin_roles() -> dict[str, dict[str, Any]]:
    """Built-in role definitions by lower-case GUID, each shaped like a role definition's ``properties``."""
    document = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {str(role["name"]).lower(): role for role in document["roles"]}
