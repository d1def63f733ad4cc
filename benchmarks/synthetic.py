"""Synthetic normalized estates for benchmarks: realistic facets, a share of them unknown."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from cloudwarden.graph.model import Node

WORLD = ["0.0.0.0/0", "::/0"]


def _maybe(rng: random.Random, value: Any, unknown: float = 0.05) -> Any:
    return None if rng.random() < unknown else value


def _rules(rng: random.Random) -> list[dict[str, Any]]:
    rules = []
    for _ in range(rng.randint(1, 6)):
        port = rng.choice([22, 80, 443, 3389, 5432, 8080, 3306, 6379])
        rules.append({
            "direction": "ingress", "action": "allow", "protocol": rng.choice(["tcp", "tcp", "udp", "all"]),
            "ports": [[port, port]], "sources": [rng.choice(WORLD + ["10.0.0.0/8", "203.0.113.0/24"])],
            "destinations": [], "priority": None,
        })
    return rules


def _bucket(rng: random.Random) -> dict[str, Any]:
    pab = rng.random() < 0.7
    return {
        "encryption": {"at_rest": _maybe(rng, rng.random() < 0.9), "customer_managed": rng.random() < 0.4,
                       "key_id": None, "in_transit": None, "min_tls": None},
        "public_access_block": {k: pab for k in ("block_public_acls", "ignore_public_acls", "block_public_policy",
                                                  "restrict_public_buckets")},
        "public_by_acl": _maybe(rng, rng.random() < 0.05), "public_by_policy": _maybe(rng, rng.random() < 0.05),
        "public": rng.random() < 0.08, "tls_only": rng.random() < 0.5,
        "versioning": {"enabled": rng.random() < 0.6, "mfa_delete": False},
    }


def _user(rng: random.Random) -> dict[str, Any]:
    keys = [{"id": f"AKIA{rng.randrange(10**12):012d}", "active": rng.random() < 0.8,
             "age_days": rng.randint(0, 400), "last_used_days": rng.choice([None, rng.randint(0, 200)])}
            for _ in range(rng.randint(0, 2))]
    return {
        "console_access": rng.random() < 0.5, "mfa": rng.random() < 0.7, "access_keys": keys,
        "password_last_used_days": rng.choice([None, rng.randint(0, 120)]), "inline_policy_count": rng.randint(0, 2),
        "attached_policies": [{"id": "p", "name": "p", "inline": False, "admin_equivalent": rng.random() < 0.05,
                               "wildcard_services": []}],
    }


_MAKERS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "storage.bucket": _bucket,
    "identity.user": _user,
    "network.firewall": lambda rng: {"rules": _rules(rng), "is_default": rng.random() < 0.1, "attachment_count": 1},
    "compute.instance": lambda rng: {
        "network": {"public_ips": ["198.51.100.7"] if rng.random() < 0.3 else [], "private_ips": ["10.0.0.5"]},
        "imdsv2_required": rng.random() < 0.6, "world_open_ports": [[22, 22]] if rng.random() < 0.1 else [],
        "state": "running",
    },
    "compute.disk": lambda rng: {"encryption": {"at_rest": rng.random() < 0.85}, "attached": True},
    "database.instance": lambda rng: {"encryption": {"at_rest": rng.random() < 0.9}, "public": rng.random() < 0.05,
                                      "backup_retention_days": rng.choice([0, 7, 35])},
    "kms.key": lambda rng: {"customer_managed": rng.random() < 0.7, "symmetric": True, "state": "enabled",
                            "rotation": {"enabled": rng.random() < 0.6, "period_days": 365}},
    "secret": lambda rng: {"rotation": {"enabled": rng.random() < 0.4},
                           "encryption": {"at_rest": True, "customer_managed": rng.random() < 0.5}},
    "identity.role": lambda rng: {"service_linked": rng.random() < 0.1, "attached_policies": [
        {"id": "p", "name": "p", "inline": False, "admin_equivalent": rng.random() < 0.05, "wildcard_services": []}]},
    "identity.policy": lambda rng: {"managed_by": rng.choice(["customer", "aws", "inline"]),
                                    "attachment_count": rng.randint(0, 3), "admin_equivalent": rng.random() < 0.05,
                                    "wildcard_services": rng.choice([[], [], ["s3"], ["iam"]])},
    "ai.notebook": lambda rng: {"direct_internet_access": rng.random() < 0.3, "root_access": rng.random() < 0.5,
                                "encryption": {"at_rest": True, "customer_managed": rng.random() < 0.5}},
    "ai.training_job": lambda rng: {"network_isolation": rng.random() < 0.5,
                                    "inter_container_encryption": rng.random() < 0.5,
                                    "encryption": {"at_rest": True, "customer_managed": rng.random() < 0.5}},
    "logging.trail": lambda rng: {"multi_region": rng.random() < 0.5, "log_validation": rng.random() < 0.5,
                                  "logging": {"enabled": rng.random() < 0.9},
                                  "encryption": {"at_rest": True, "customer_managed": rng.random() < 0.5}},
    "compute.function": lambda rng: {"public_by_policy": rng.random() < 0.05,
                                     "function_url": rng.choice([None, {"auth_type": "NONE"}, {"auth_type": "AWS_IAM"}])},
}

# Rough shape of a real estate: many firewalls, users, buckets and disks; few trails.
MIX = {
    "network.firewall": 18, "storage.bucket": 12, "identity.user": 10, "identity.role": 10, "identity.policy": 10,
    "compute.instance": 10, "compute.disk": 10, "database.instance": 4, "kms.key": 4, "secret": 4,
    "compute.function": 4, "ai.notebook": 1.5, "ai.training_job": 1.5, "logging.trail": 1,
}


def synthetic_nodes(count: int, seed: int = 7) -> list[Node]:
    """``count`` nodes in the proportions of ``MIX``, deterministic for a seed."""
    rng = random.Random(seed)
    kinds = list(MIX)
    weights = [MIX[k] for k in kinds]
    nodes = []
    for i in range(count):
        kind = rng.choices(kinds, weights)[0]
        nodes.append(Node(
            id=f"arn:aws:synthetic:us-east-1:111122223333:{kind}/{i}", cloud="aws", kind=kind,
            account="111122223333", region="us-east-1", name=f"{kind.split('.')[-1]}-{i}",
            tags={"env": rng.choice(["prod", "dev"])}, props=_MAKERS[kind](rng),
        ))
    return nodes
