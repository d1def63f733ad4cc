"""The pack and the remediation registry agree: each action fixes policies that name it, for their cloud."""

from __future__ import annotations

import pytest

from cloudwarden.engine.cel import get_backend
from cloudwarden.engine.policy import builtin_policy_dir, load_policies
from cloudwarden.engine.remediation.registry import all_actions

POLICIES = {p.id: p for p in load_policies([builtin_policy_dir()], get_backend("cel-expr-python"))[0]}
ACTIONS = all_actions()


@pytest.mark.parametrize("action", ACTIONS, ids=lambda a: a.id)
def test_every_action_fixes_existing_policies_that_name_it_for_its_cloud(action) -> None:
    for policy_id in action.policies:
        assert policy_id in POLICIES, f"{action.id} names unknown policy {policy_id}"
        assert POLICIES[policy_id].remediation_for(action.cloud).get("action") == action.id


def test_a_finding_shows_only_the_action_of_its_own_cloud() -> None:
    policy = POLICIES["firewall-no-world-admin-ports"]
    assert policy.remediation_for("aws")["action"] == "aws.ec2.revoke-world-open-ingress"
    assert policy.remediation_for("azure")["action"] == "azure.network.remove-world-open-admin-rules"
    assert policy.remediation_for("gcp")["action"] == "gcp.compute.disable-world-open-firewall-rule"
    assert "action" not in POLICIES["trail-log-validation"].remediation_for("gcp")
    assert "actions" not in policy.remediation_for("aws")
