"""Which Azure operations matter on a resource, and the access level each one gives.

``can_access`` does not enumerate Azure's tens of thousands of operations: it asks
the evaluator about a few *probe* operations per resource type, each mapped to an
access level (the same vocabulary as AWS):

- ``list``: control-plane reads (``*/read``): metadata, not the data;
- ``read``: reading the data (blob read, ``getSecret``), or credentials that give it
  (``listKeys`` on a storage account with shared-key access, a web app's settings);
- ``write``: changing data or configuration, or using keys (decrypt, sign: as
  ``kms:Decrypt`` is a Write action in AWS);
- ``permissions``: changing who has access (role assignments, vault access policies);
- ``tagging``: tags only.

A probe may be gated by a fact of the resource: listKeys gives data access only if
shared-key (or local) auth is on; RBAC data actions reach a Key Vault's data only
in RBAC mode, access policies only in access-policy mode.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudwarden.graph.azure_rbac.access_policies import rbac_mode
from cloudwarden.graph.azure_rbac.permissions import ROLE_ASSIGNMENT_WRITE
from cloudwarden.graph.model import Node

SHARED_KEY = "shared_key"  # storage account keys / SAS are accepted
LOCAL_AUTH = "local_auth"  # API keys are accepted (Cognitive Services, ML)
POLICY_MODE = "policy_mode"  # the Key Vault uses access policies
RBAC_DATA = "rbac_data"  # the Key Vault uses Azure RBAC for its data plane

_KV = "Microsoft.KeyVault/vaults"
_ST = "Microsoft.Storage/storageAccounts"
_COG = "Microsoft.CognitiveServices/accounts"
_WEB = "Microsoft.Web/sites"


@dataclass(frozen=True)
class Probe:
    """One operation to ask about, the levels it gives, and the resource fact it needs."""

    action: str
    levels: tuple[str, ...]
    data: bool = False
    gate: str | None = None
    note: str | None = None


def _data(action: str, *levels: str, gate: str | None = None) -> Probe:
    return Probe(action, levels, True, gate)


_PERMISSIONS = Probe(ROLE_ASSIGNMENT_WRITE, ("permissions",))
_KEYS = "account keys give full access to the data"
_VAULT_WRITE = (
    Probe(f"{_KV}/accessPolicies/write", ("permissions",), gate=POLICY_MODE, note="can grant itself secrets and keys"),
    Probe(f"{_KV}/write", ("permissions",), gate=POLICY_MODE, note="can rewrite the vault's access policies"),
)
_KEY_DATA = tuple(_data(f"{_KV}/keys/{op}/action", "write", gate=RBAC_DATA)
                  for op in ("decrypt", "encrypt", "sign", "unwrap", "wrap"))
_SECRET_DATA = (
    _data(f"{_KV}/secrets/getSecret/action", "read", gate=RBAC_DATA),
    _data(f"{_KV}/secrets/setSecret/action", "write", gate=RBAC_DATA),
    _data(f"{_KV}/secrets/readMetadata/action", "list", gate=RBAC_DATA),
)

SPECIFIC: dict[str, tuple[Probe, ...]] = {
    "microsoft.storage/storageaccounts": (
        Probe(f"{_ST}/listkeys/action", ("read", "write"), gate=SHARED_KEY, note=_KEYS),
        Probe(f"{_ST}/ListAccountSas/action", ("read", "write"), gate=SHARED_KEY, note=_KEYS),
        Probe(f"{_ST}/blobServices/containers/write", ("write",)),
        _data(f"{_ST}/blobServices/containers/blobs/read", "read"),
        _data(f"{_ST}/blobServices/containers/blobs/write", "write"),
        _data(f"{_ST}/blobServices/containers/blobs/delete", "write"),
        _data(f"{_ST}/fileServices/fileshares/files/read", "read"),
        _data(f"{_ST}/fileServices/fileshares/files/write", "write"),
        _data(f"{_ST}/queueServices/queues/messages/read", "read"),
        _data(f"{_ST}/queueServices/queues/messages/write", "write"),
        _data(f"{_ST}/tableServices/tables/entities/read", "read"),
        _data(f"{_ST}/tableServices/tables/entities/write", "write"),
    ),
    "microsoft.keyvault/vaults": (
        *_VAULT_WRITE, *_SECRET_DATA, *_KEY_DATA,
        _data(f"{_KV}/keys/read", "list", gate=RBAC_DATA),
        _data(f"{_KV}/certificates/read", "list", gate=RBAC_DATA),
    ),
    "microsoft.keyvault/vaults/keys": (
        *_VAULT_WRITE, *_KEY_DATA,
        _data(f"{_KV}/keys/read", "list", gate=RBAC_DATA),
        _data(f"{_KV}/keys/update/action", "write", gate=RBAC_DATA),
        _data(f"{_KV}/keys/delete", "write", gate=RBAC_DATA),
    ),
    "microsoft.keyvault/vaults/secrets": (
        *_VAULT_WRITE, *_SECRET_DATA,
        _data(f"{_KV}/secrets/delete", "write", gate=RBAC_DATA),
    ),
    "microsoft.sql/servers": (
        Probe("Microsoft.Sql/servers/write", ("read", "write"), note="can reset the administrator password"),
        Probe("Microsoft.Sql/servers/administrators/write", ("read", "write"),
              note="can make itself the Entra administrator"),
        Probe("Microsoft.Sql/servers/firewallRules/write", ("write",)),
    ),
    "microsoft.sql/servers/databases": (
        Probe("Microsoft.Sql/servers/write", ("read", "write"), note="can reset the administrator password"),
        Probe("Microsoft.Sql/servers/administrators/write", ("read", "write"),
              note="can make itself the Entra administrator"),
    ),
    "microsoft.documentdb/databaseaccounts": (
        Probe("Microsoft.DocumentDB/databaseAccounts/listKeys/action", ("read", "write"), gate=LOCAL_AUTH, note=_KEYS),
    ),
    "microsoft.cognitiveservices/accounts": (
        Probe(f"{_COG}/listKeys/action", ("read", "write"), gate=LOCAL_AUTH, note="API keys give full use"),
        _data(f"{_COG}/OpenAI/deployments/chat/completions/action", "read"),
        _data(f"{_COG}/OpenAI/deployments/completions/action", "read"),
        _data(f"{_COG}/OpenAI/files/import/action", "write"),
        _data(f"{_COG}/OpenAI/fine-tunes/write", "write"),
    ),
    "microsoft.web/sites": (
        Probe(f"{_WEB}/config/list/action", ("read",), note="app settings and connection strings"),
        Probe(f"{_WEB}/publishxml/action", ("read", "write"), note="publishing credentials"),
        Probe(f"{_WEB}/config/write", ("write",)),
        Probe(f"{_WEB}/host/listkeys/action", ("read",), note="function keys"),
    ),
    "microsoft.machinelearningservices/workspaces": (
        Probe("Microsoft.MachineLearningServices/workspaces/listKeys/action", ("read", "write"), note=_KEYS),
    ),
}
# Database servers whose write lets one reset the administrator password.
_ADMIN_RESET = ("microsoft.dbforpostgresql/", "microsoft.dbformysql/", "microsoft.dbformariadb/")

_PROVIDER_PATH = re.compile(r"/providers/([^/]+)/(.+)$")


def resource_type(node: Node) -> str:
    """The ARM resource type, lower-case (``microsoft.storage/storageaccounts``), from native_type or the id."""
    if node.native_type and "/" in node.native_type:
        return node.native_type.lower()
    found = _PROVIDER_PATH.search(node.id.lower())
    if not found:
        return ""
    parts = found.group(2).split("/")
    return "/".join([found.group(1), *parts[0::2]])


def probes(node: Node) -> tuple[Probe, ...]:
    """The operations asked about for a resource: read, write, delete, role assignment, and its type's own."""
    kind = resource_type(node)
    generic: list[Probe] = []
    if kind:
        name = node.native_type if "/" in (node.native_type or "") else kind  # evidence in the payload's spelling
        generic = [Probe(f"{name}/read", ("list",)), Probe(f"{name}/delete", ("write",))]
        reset = kind.startswith(_ADMIN_RESET) and kind.count("/") == 1
        generic.append(Probe(f"{name}/write", ("read", "write") if reset else ("write",),
                             note="can reset the administrator password" if reset else None))
    return (*generic, _PERMISSIONS, *SPECIFIC.get(kind, ()))


def gate_open(gate: str | None, node: Node, vault: Node | None) -> bool:
    """The resource fact a probe needs holds (unknown facts count as Azure's default)."""
    if gate is None:
        return True
    props, properties = node.props or {}, ((node.raw or {}).get("properties") or {})
    if gate == SHARED_KEY:
        value = props.get("shared_key_access")
        if value is None:
            value = properties.get("allowSharedKeyAccess")
        return value is not False  # ARM: null means allowed
    if gate == LOCAL_AUTH:
        disabled = props.get("local_auth_disabled")
        if disabled is None and isinstance(props.get("local_auth"), bool):
            disabled = not props["local_auth"]
        if disabled is None:
            disabled = properties.get("disableLocalAuth")
        return disabled is not True
    mode = rbac_mode(vault)
    if gate == POLICY_MODE:
        return mode is not True
    if gate == RBAC_DATA:
        return mode is not False
    return True
