"""Azure RBAC evaluation over the normalized graph (no SDK): the one evaluator Azure analyzers ask.

- ``scopes``: scope levels and inheritance (management group > subscription > resource group > resource);
- ``permissions``: role definitions and case-insensitive wildcard matching of actions / dataActions;
- ``conditions``: ABAC role-assignment conditions, decided only when trivially decidable;
- ``access_policies``: Key Vault access policies (the vault-local data-plane model);
- ``levels``: the probe operations per resource type and the access level each gives;
- ``evaluator``: ``AzureAuthorization`` (``decide``, ``grants``, ``is_admin``) and ``shared_authorization``.
"""

from cloudwarden.graph.azure_rbac.evaluator import (
    AzureAuthorization,
    Decision,
    Grant,
    shared_authorization,
)

__all__ = ["AzureAuthorization", "Decision", "Grant", "shared_authorization"]
