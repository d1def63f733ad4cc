"""IAM members (``user:``, ``group:``, ``serviceAccount:``, ``domain:``, ``allUsers``...) as principal nodes.

Ids are the member strings (emails lower-cased: IAM compares them without case).
A ``serviceAccount:`` member is the collected service account's node when its
email is known, else a reference ``serviceAccount:<email>``. ``allUsers`` and
``allAuthenticatedUsers`` are ``identity.group`` nodes marked ``public``.
``deleted:`` members stay as references marked ``deleted`` (a binding to a deleted
principal grants nothing, and a new principal of the same email does not inherit it).
"""

from __future__ import annotations

from typing import Any

from cloudwarden.graph.model import Node
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.resources import service_account_ref

PUBLIC_MEMBERS = frozenset({"allUsers", "allAuthenticatedUsers"})
CONVENIENCE = {"projectOwner": "roles/owner", "projectEditor": "roles/editor", "projectViewer": "roles/viewer"}
_KINDS = {"user": "identity.user", "group": "identity.group", "domain": "identity.group",
          "serviceAccount": "identity.service_account"}
def _federated(b: Builder, member: str) -> str:
    if member.startswith("principalSet://"):
        kind = "identity.group"
    else:
        kind = "identity.service_account" if "/workloadIdentityPools/" in member else "identity.user"
    return b.reference(member, kind, member.rsplit("/", 1)[-1], member=member, federated=True)


def member_node(b: Builder, member: str) -> str:
    """The node id of an IAM member, creating its node when first seen."""
    member = member.strip()
    if member in PUBLIC_MEMBERS:
        if member not in b.nodes:
            _principal(b, member, "identity.group", member, {"public": True, "member_type": member})
        return member
    if member.startswith(("principal://", "principalSet://")):
        return _federated(b, member)
    if member.startswith("deleted:"):
        inner = member[len("deleted:"):]
        kind = _KINDS.get(inner.split(":", 1)[0], "identity.user")
        email = inner.split(":", 1)[-1].split("?", 1)[0].lower()
        return b.reference(member, kind, email, member=member, email=email, deleted=True)
    prefix, _, rest = member.partition(":")
    if prefix == "serviceAccount" and rest:
        return service_account_ref(b, rest)
    if prefix in CONVENIENCE and rest:
        node_id = f"{prefix}:{rest}"
        if node_id not in b.nodes:
            _principal(b, node_id, "identity.group", node_id,
                       {"member_type": prefix, "convenience": CONVENIENCE[prefix], "project": rest})
        return node_id
    kind = _KINDS.get(prefix, "identity.group")
    node_id = f"{prefix}:{rest.lower()}" if rest else member
    if node_id not in b.nodes:
        props: dict[str, Any] = {"member_type": prefix or member}
        if prefix == "domain":
            props["domain"] = rest.lower()
        elif rest:
            props["email"] = rest.lower()
        _principal(b, node_id, kind, rest.lower() or member, props)
    return node_id


def _principal(b: Builder, node_id: str, kind: str, name: str, props: dict[str, Any]) -> None:
    """A principal known from IAM bindings: judged by policies (the bindings were collected), with no account."""
    with b.producing(None, "iam"):
        b.add(Node(id=node_id, cloud="gcp", kind=kind, native_type="iam.googleapis.com/Member", name=name,
                   props={"member": node_id, "last_used_days": None, **props}))
