"""Security group fixes: revoke world-open ingress on the ports a policy names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cloudwarden.providers.remediation import ApiCall, RemediationError, Session, Target

WORLD_V4, WORLD_V6 = "0.0.0.0/0", "::/0"
# The ports each firewall policy judges (None: a rule open on every port).
POLICY_PORTS: dict[str, tuple[int, ...] | None] = {
    "firewall-no-world-admin-ports": (22, 3389),
    "firewall-no-world-database-ports": (1433, 1521, 3306, 5432, 5439, 6379, 9200, 11211, 27017),
    "firewall-no-world-all-ports": None,
}


def group_id(target: Target) -> str:
    """``arn:aws:ec2:r:a:security-group/sg-1`` -> ``sg-1``."""
    return target.resource_id.rsplit("/", 1)[-1]


def _covers(permission: dict[str, Any], ports: tuple[int, ...] | None) -> bool:
    protocol = str(permission.get("IpProtocol"))
    low, high = permission.get("FromPort"), permission.get("ToPort")
    every_port = protocol == "-1" or (low in (None, 0, 1, -1) and high in (None, 65535, -1))
    if ports is None:
        return every_port
    if protocol not in ("tcp", "6", "-1"):
        return False
    return every_port or any(low <= p <= high for p in ports)


def world_open(permissions: list[dict[str, Any]], ports: tuple[int, ...] | None) -> list[dict[str, Any]]:
    """The world-wide part (0.0.0.0/0, ::/0) of each permission that opens the ports, as revocable permissions."""
    out = []
    for perm in permissions:
        if not _covers(perm, ports):
            continue
        v4 = [{"CidrIp": r["CidrIp"]} for r in perm.get("IpRanges", []) if r.get("CidrIp") == WORLD_V4]
        v6 = [{"CidrIpv6": r["CidrIpv6"]} for r in perm.get("Ipv6Ranges", []) if r.get("CidrIpv6") == WORLD_V6]
        if not v4 and not v6:
            continue
        entry: dict[str, Any] = {"IpProtocol": perm["IpProtocol"]}
        if perm.get("FromPort") is not None:
            entry["FromPort"], entry["ToPort"] = perm["FromPort"], perm["ToPort"]
        if v4:
            entry["IpRanges"] = v4
        if v6:
            entry["Ipv6Ranges"] = v6
        out.append(entry)
    return out


@dataclass(frozen=True)
class RevokeWorldOpenIngress:
    """Revoke the 0.0.0.0/0 and ::/0 sources of ingress rules that open the policy's ports; other sources stay."""

    id: str = "aws.ec2.revoke-world-open-ingress"
    cloud: str = "aws"
    policies: tuple[str, ...] = tuple(POLICY_PORTS)
    summary: str = "revoke world-open ingress on the named ports"
    safe_removals: tuple[str, ...] = ()

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The group's world-open ingress on the policy's ports."""
        found = session.read("ec2", "describe_security_groups", target.region, GroupIds=[group_id(target)])
        groups = (found or {}).get("SecurityGroups") or []
        if not groups:
            raise RemediationError(f"security group {group_id(target)} not found")
        return {"world_open_ingress": world_open(groups[0].get("IpPermissions", []), POLICY_PORTS[target.policy])}

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """One ``RevokeSecurityGroupIngress`` for the world-open permissions, if any."""
        if not state["world_open_ingress"]:
            return []
        return [ApiCall("ec2", "revoke_security_group_ingress", {"GroupId": group_id(target),
                        "IpPermissions": state["world_open_ingress"]}, target.resource_id, target.region)]


ACTIONS = (RevokeWorldOpenIngress(),)
