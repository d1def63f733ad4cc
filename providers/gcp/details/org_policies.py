"""Effective organization policies of each project, for the boolean constraints the normalizer reads.

Asset Inventory's ``ORG_POLICY`` content lists the policies *set* inside a scope:
a project scan does not see a constraint enforced on its folder or organization,
and ``publicAccessPrevention: inherited`` on a bucket then cannot be decided. The
Org Policy API's ``getEffectivePolicy`` answers for a project (or folder) target
with inheritance applied; the answer is given to the normalizer as an
``org_policy`` entry on the target's record (v1 shape, ``booleanPolicy.enforced``),
which it reads before any policy set higher up. Organization targets need none:
their inventory holds every policy set under them.
"""

from __future__ import annotations

from typing import Any

from google.api_core import retry as retries
from google.cloud import orgpolicy_v2

from cloudwarden.graph.model import CoverageGap
from cloudwarden.providers.gcp.credentials import GcpConnection
from cloudwarden.providers.gcp.errors import gap_for

ORG_POLICY = "orgpolicy"
ASSET_TYPES = {"projects": "cloudresourcemanager.googleapis.com/Project",
               "folders": "cloudresourcemanager.googleapis.com/Folder"}
# Boolean constraints whose effect on a project a normalized facet depends on.
BOOLEAN_CONSTRAINTS: tuple[str, ...] = ("storage.publicAccessPrevention",)


def enforced(policy: orgpolicy_v2.Policy) -> bool | None:
    """Whether a boolean constraint is enforced: the unconditional rule decides; conditional-only rules do not."""
    rules = list(policy.spec.rules) if policy.spec else []
    for rule in rules:
        if "condition" in rule and rule.condition.expression:
            continue
        if "enforce" in rule:
            return bool(rule.enforce)
    return None if rules else False  # no rule at all: the constraint's default (not enforced)


def effective_policies(conn: GcpConnection, scope: str, ancestors: list[str],
                       retry: retries.Retry) -> tuple[list[dict[str, Any]], list[CoverageGap]]:
    """A record of ``scope`` (``projects/<number>`` or ``folders/N``) with each constraint's effective value."""
    client = conn.client(ORG_POLICY, orgpolicy_v2.OrgPolicyClient)
    entries, gaps = [], []
    for constraint in BOOLEAN_CONSTRAINTS:
        name = f"{scope}/policies/{constraint}"
        try:
            policy = client.get_effective_policy(name=name, retry=retry)
        except Exception as exc:  # noqa: BLE001 - unknown stays unknown, with a gap
            gaps.append(gap_for(exc, ORG_POLICY, "GetEffectivePolicy", name))
            continue
        value = enforced(policy)
        if value is not None:
            entries.append({"constraint": f"constraints/{constraint}", "boolean_policy": {"enforced": value}})
    if not entries:
        return [], gaps
    record = {"name": f"//cloudresourcemanager.googleapis.com/{scope}", "asset_type": ASSET_TYPES[scope.split("/")[0]],
              "org_policy": entries, "ancestors": ancestors}
    return [record], gaps
