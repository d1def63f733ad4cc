"""GCP permissions: matching role entries (names and documented wildcard patterns), access levels, targets.

A role's ``props.permissions`` lists permission names
(``storage.objects.get``) and, for roles too large to list, documented
wildcard patterns (``*``, ``storage.*``, ``*.get``): ``*`` matches any run of
characters, dots included. An entry starting with ``-`` (or a name in
``props.excluded_permissions``) takes permissions away again. ``None`` means
the role is unknown: its grants are unknown, never empty.

Levels (the shared vocabulary ``read|write|list|tagging|permissions``):
``permissions`` for what changes who has access (``*.setIamPolicy``, custom
role edits), ``list`` for listing, ``read`` for reading data or metadata
(``get``, ``storage.objects.get``, ``secretmanager.versions.access``,
``cloudkms.cryptoKeyVersions.useToDecrypt``), ``tagging`` for tag bindings,
``write`` for everything else (create, update, delete, setMetadata, actAs...).

Each target kind has a *family*: the permission prefixes checked on such a
resource and the documented permissions of that family, so that a wildcard
pattern is expanded against real names (``storage.*`` on a bucket).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from cloudwarden.graph.model import Node

# Basic roles when the snapshot carries no permission list for them (documented semantics, as patterns):
# Owner holds every permission; Editor every one except changing IAM policies and custom roles and minting
# tokens of service accounts; Viewer reads metadata but no data.
BASIC_ROLES: dict[str, tuple[str, ...]] = {
    "roles/owner": ("*",),
    "roles/editor": (
        "*", "-*.setIamPolicy", "-iam.roles.create", "-iam.roles.update", "-iam.roles.delete", "-iam.roles.undelete",
        "-iam.serviceAccounts.getAccessToken", "-iam.serviceAccounts.getOpenIdToken", "-iam.serviceAccounts.signBlob",
        "-iam.serviceAccounts.signJwt", "-iam.serviceAccounts.implicitDelegation",
        "-resourcemanager.projects.delete", "-resourcemanager.projects.move",
    ),
    "roles/viewer": ("*.get", "*.list", "-storage.objects.get", "-secretmanager.versions.access"),
}
# The newer names of the basic roles (Admin, Writer, Reader) carry the same semantics.
BASIC_ROLES.update({"roles/admin": BASIC_ROLES["roles/owner"], "roles/writer": BASIC_ROLES["roles/editor"],
                    "roles/reader": BASIC_ROLES["roles/viewer"]})

_EXACT_LEVELS: dict[str, str] = {
    "iam.roles.create": "permissions",
    "iam.roles.update": "permissions",
    "iam.roles.delete": "permissions",
    "iam.roles.undelete": "permissions",
    "secretmanager.versions.access": "read",
    "cloudkms.cryptoKeyVersions.useToDecrypt": "read",
    "cloudkms.cryptoKeyVersions.useToVerify": "read",
    "cloudkms.cryptoKeyVersions.viewPublicKey": "read",
    "cloudsql.instances.connect": "read",
    "cloudsql.instances.login": "read",
    "cloudsql.instances.export": "read",
    "cloudfunctions.functions.sourceCodeGet": "read",
    "aiplatform.endpoints.predict": "read",
    "aiplatform.endpoints.explain": "read",
    "aiplatform.models.export": "read",
}
_READ_VERBS = ("get", "getIamPolicy", "read", "access", "download", "export", "search", "query")


@lru_cache(maxsize=8192)
def permission_level(permission: str) -> str:
    """The access level of one permission (see the module docstring)."""
    exact = _EXACT_LEVELS.get(permission)
    if exact is not None:
        return exact
    verb = permission.rsplit(".", 1)[-1]
    if verb == "setIamPolicy":
        return "permissions"
    if verb.endswith(("TagBinding", "TagBindings")):
        return "tagging"
    if verb.startswith("list"):
        return "list"
    if verb in _READ_VERBS or (verb.startswith("get") and not verb.startswith("getAccessToken")
                               and verb not in ("getOpenIdToken",)):
        return "read"
    return "write"


@lru_cache(maxsize=4096)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile("^" + ".*".join(re.escape(p) for p in pattern.split("*")) + "$", re.IGNORECASE)


def matches(pattern: str, permission: str) -> bool:
    """Whether a permission name or wildcard pattern covers ``permission`` (case-insensitive)."""
    if "*" not in pattern:
        return pattern.lower() == permission.lower()
    return _regex(pattern).match(permission) is not None


@dataclass(frozen=True)
class RolePermissions:
    """What a role holds: include and exclude entries; ``known`` False when the role's permissions are unknown."""

    include: tuple[str, ...]
    exclude: tuple[str, ...] = ()
    known: bool = True

    def grants(self, permission: str) -> bool:
        """The role holds ``permission``."""
        return any(matches(p, permission) for p in self.include) and not any(
            matches(p, permission) for p in self.exclude)

    def granted(self, permissions: Iterable[str]) -> list[str]:
        """The given permissions the role holds."""
        return [p for p in permissions if self.grants(p)]

    @property
    def everything(self) -> bool:
        """Holds every permission (owner-equivalent)."""
        return self.known and "*" in self.include and not self.exclude

    def explicit(self) -> list[str]:
        """Names without wildcards (they extend a family's documented permissions)."""
        return [p for p in self.include if "*" not in p]


UNKNOWN_ROLE = RolePermissions((), (), known=False)


def role_permissions(role: Node | None, role_id: str) -> RolePermissions:
    """A role node's permissions (basic roles fall back to their documented patterns)."""
    props = role.props if role is not None else {}
    listed = props.get("permissions")
    if listed is None:
        listed = props.get("included_permissions", props.get("includedPermissions"))
    if listed is None:
        basic = BASIC_ROLES.get(role_id)
        if basic is None:
            return UNKNOWN_ROLE
        listed = list(basic)
    include = tuple(str(p) for p in listed if not str(p).startswith("-"))
    exclude = tuple(str(p)[1:] for p in listed if str(p).startswith("-"))
    exclude += tuple(str(p) for p in props.get("excluded_permissions") or ())
    return RolePermissions(include, exclude)


@dataclass(frozen=True)
class Family:
    """The permissions checked on one kind of resource: prefixes, and the documented ones worth naming."""

    name: str
    prefixes: tuple[str, ...]
    documented: tuple[str, ...]
    parent_only: tuple[str, ...] = ()  # checked on the parent (create, list), not on the resource

    def covers(self, permission: str) -> bool:
        """The permission is checked on resources of this family."""
        return permission.startswith(self.prefixes) and permission not in self.parent_only


def _perms(prefix: str, verbs: str) -> tuple[str, ...]:
    return tuple(f"{prefix}.{v}" for v in verbs.split())


_IAM_VERBS = "getIamPolicy setIamPolicy"
FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("storage", ("storage.buckets.", "storage.objects.", "storage.managedFolders.", "storage.multipartUploads."),
           _perms("storage.buckets", f"get update delete {_IAM_VERBS}")
           + _perms("storage.objects", f"get list create update delete {_IAM_VERBS}")
           + _perms("storage.managedFolders", f"get list create delete {_IAM_VERBS}"),
           ("storage.buckets.create", "storage.buckets.list")),
    Family("kms.key", ("cloudkms.cryptoKeys.", "cloudkms.cryptoKeyVersions."),
           _perms("cloudkms.cryptoKeys", f"get update {_IAM_VERBS}")
           + _perms("cloudkms.cryptoKeyVersions", "useToEncrypt useToDecrypt useToSign useToVerify viewPublicKey"
                    " create destroy get list update restore"),
           ("cloudkms.cryptoKeys.create", "cloudkms.cryptoKeys.list")),
    Family("kms.vault", ("cloudkms.keyRings.", "cloudkms.cryptoKeys.create", "cloudkms.cryptoKeys.list"),
           _perms("cloudkms.keyRings", f"get {_IAM_VERBS}") + ("cloudkms.cryptoKeys.create", "cloudkms.cryptoKeys.list"),
           ("cloudkms.keyRings.create", "cloudkms.keyRings.list")),
    Family("secret", ("secretmanager.secrets.", "secretmanager.versions."),
           _perms("secretmanager.secrets", f"get update delete {_IAM_VERBS}")
           + _perms("secretmanager.versions", "access add get list enable disable destroy"),
           ("secretmanager.secrets.create", "secretmanager.secrets.list")),
    Family("cloudsql", ("cloudsql.",),
           _perms("cloudsql.instances", "get update delete connect login export import restart clone")
           + _perms("cloudsql.databases", "get list create update delete")
           + _perms("cloudsql.users", "list create update delete"),
           ("cloudsql.instances.create", "cloudsql.instances.list")),
    Family("cloudfunctions", ("cloudfunctions.functions.",),
           _perms("cloudfunctions.functions", f"get update delete call invoke sourceCodeGet sourceCodeSet {_IAM_VERBS}"),
           ("cloudfunctions.functions.create", "cloudfunctions.functions.list")),
    Family("run", ("run.services.", "run.routes.", "run.revisions.", "run.jobs."),
           _perms("run.services", f"get update delete {_IAM_VERBS}") + ("run.routes.invoke",),
           ("run.services.create", "run.services.list")),
    Family("aiplatform.endpoint", ("aiplatform.endpoints.",),
           _perms("aiplatform.endpoints", "get update delete predict explain deploy undeploy"),
           ("aiplatform.endpoints.create", "aiplatform.endpoints.list")),
    Family("aiplatform.model", ("aiplatform.models.",),
           _perms("aiplatform.models", "get update delete export"), ("aiplatform.models.upload", "aiplatform.models.list")),
    Family("aiplatform.job", ("aiplatform.customJobs.", "aiplatform.trainingPipelines."),
           _perms("aiplatform.customJobs", "get cancel delete"),
           ("aiplatform.customJobs.create", "aiplatform.customJobs.list")),
    Family("notebooks", ("notebooks.instances.", "aiplatform.notebookRuntimes."),
           _perms("notebooks.instances", f"get update delete start stop reset use {_IAM_VERBS}"),
           ("notebooks.instances.create", "notebooks.instances.list")),
    Family("aiplatform", ("aiplatform.",), ("aiplatform.endpoints.predict", "aiplatform.models.get"), ()),
    # On a service account only what takes it over or changes who can: reading its metadata is no access.
    Family("service_account", ("iam.serviceAccounts.", "iam.serviceAccountKeys.create"),
           _perms("iam.serviceAccounts", "actAs getAccessToken getOpenIdToken signBlob signJwt implicitDelegation"
                  " setIamPolicy") + ("iam.serviceAccountKeys.create",),
           ("iam.serviceAccounts.create", "iam.serviceAccounts.list", "iam.serviceAccounts.get",
            "iam.serviceAccounts.getIamPolicy", "iam.serviceAccounts.update", "iam.serviceAccounts.delete",
            "iam.serviceAccounts.disable", "iam.serviceAccounts.enable", "iam.serviceAccounts.undelete")),
)}

_KIND_FAMILY = {
    "storage.bucket": "storage", "kms.key": "kms.key", "kms.vault": "kms.vault", "secret": "secret",
    "database.instance": "cloudsql", "compute.function": "cloudfunctions", "ai.endpoint": "aiplatform.endpoint",
    "ai.model": "aiplatform.model", "ai.training_job": "aiplatform.job", "ai.notebook": "notebooks",
    "ai.service": "aiplatform", "identity.service_account": "service_account",
}
TARGET_KINDS: tuple[str, ...] = tuple(_KIND_FAMILY)


def family_of(node: Node) -> Family | None:
    """The permission family checked on a target node (Cloud Run services differ from functions)."""
    if node.kind == "compute.function" and node.native_type.startswith("run.googleapis.com"):
        return FAMILIES["run"]
    name = _KIND_FAMILY.get(node.kind)
    return FAMILIES[name] if name else None


def service_of_role(role_id: str) -> str | None:
    """The service a predefined role is named for (``roles/storage.admin`` -> ``storage``), else None."""
    if not role_id.startswith("roles/"):
        return None
    name = role_id[len("roles/"):]
    return name.split(".", 1)[0] if "." in name else None


def family_services(family: Family) -> set[str]:
    """The services whose permissions a family checks (``storage``, ``cloudkms``...)."""
    return {p.split(".", 1)[0] for p in family.prefixes}


def compact(granted: Iterable[str], universe: Iterable[str]) -> list[str]:
    """Granted permissions, compact: ``svc.*`` when all of the universe's ``svc`` ones, ``svc.res.*`` per resource."""
    held = set(granted)
    groups: dict[str, list[str]] = {}
    for permission in sorted(set(universe) | held):
        groups.setdefault(permission.split(".", 1)[0], []).append(permission)
    out: list[str] = []
    for service, members in sorted(groups.items()):
        mine = [p for p in members if p in held]
        if not mine:
            continue
        if len(mine) == len(members) and len(members) > 1:
            out.append(f"{service}.*")
            continue
        by_resource: dict[str, list[str]] = {}
        for permission in members:
            by_resource.setdefault(permission.rsplit(".", 1)[0], []).append(permission)
        for resource, perms in sorted(by_resource.items()):
            own = [p for p in perms if p in held]
            if own and len(own) == len(perms) and len(perms) > 1:
                out.append(f"{resource}.*")
            else:
                out.extend(own)
    return out
