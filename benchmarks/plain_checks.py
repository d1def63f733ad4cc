"""Plain-Python twins of the pack's checks, for the evaluation benchmark's baseline.

Each entry is ``policy id -> (match or None, check)``; a function returns True,
False or None (unknown), mirroring the CEL policy. The benchmark cross-checks
that both produce the same number of findings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

View = dict[str, Any]
Check = Callable[[View], "bool | None"]
WORLD = ("0.0.0.0/0", "::/0", "*", "Internet")
ADMIN_PORTS = (22, 3389)
DB_PORTS = (1433, 1521, 3306, 5432, 5439, 6379, 9200, 11211, 27017)
SENSITIVE = {"*", "iam", "kms", "s3", "sts", "secretsmanager", "organizations", "sagemaker", "lambda", "ec2"}


def _p(view: View) -> dict[str, Any]:
    return view["props"]


def _not(value: Any) -> bool | None:
    return None if value is None else not value


def _and(*values: Any) -> bool | None:
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _or(*values: Any) -> bool | None:
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _covers(ports: list[list[int]], port: int) -> bool:
    return any(lo <= port <= hi for lo, hi in ports)


def _shadowed(rules: list[dict], rule: dict, port: int | None, source: str, all_ports: bool = False) -> bool:
    for d in rules:
        if d["direction"] != "ingress" or d["action"] != "deny":
            continue
        if d.get("priority") is None or rule.get("priority") is None or d["priority"] > rule["priority"]:
            continue
        if all_ports:
            proto_ok = d["protocol"] == "all" or d["protocol"] == rule["protocol"]
            ports_ok = d["protocol"] == "all" or any(q[0] <= 1 and q[1] >= 65535 for q in d["ports"])
        else:
            proto_ok = d["protocol"] in ("tcp", "all")
            ports_ok = _covers(d["ports"], port)  # type: ignore[arg-type]
        if proto_ok and ports_ok and any(t == source or t in ("*", "Internet") for t in d["sources"]):
            return True
    return False


def _world_ports_open(view: View, ports: tuple[int, ...]) -> bool | None:
    rules = _p(view)["rules"]
    if rules is None:
        return None
    for r in rules:
        if r["direction"] != "ingress" or r["action"] != "allow" or r["protocol"] not in ("tcp", "all"):
            continue
        for port in ports:
            if _covers(r["ports"], port) and any(
                s in WORLD and not _shadowed(rules, r, port, s) for s in r["sources"]
            ):
                return False
    return True


def _world_all_ports(view: View) -> bool | None:
    rules = _p(view)["rules"]
    if rules is None:
        return None
    for r in rules:
        if r["direction"] != "ingress" or r["action"] != "allow":
            continue
        if not (r["protocol"] == "all" or any(p[0] <= 1 and p[1] >= 65535 for p in r["ports"])):
            continue
        if any(s in WORLD and not _shadowed(rules, r, None, s, all_ports=True) for s in r["sources"]):
            return False
    return True


def _keys_rotated(view: View) -> bool | None:
    keys = _p(view)["access_keys"]
    if keys is None:
        return None
    if any(k["active"] is True and k["age_days"] is not None and k["age_days"] > 90 for k in keys):
        return False
    return None if any(k["active"] is None or (k["active"] and k["age_days"] is None) for k in keys) else True


def _single_key(view: View) -> bool | None:
    keys = _p(view)["access_keys"]
    if keys is None:
        return None
    if sum(1 for k in keys if k["active"] is True) > 1:
        return False
    return None if sum(1 for k in keys if k["active"] is not False) > 1 else True


def _stale(view: View) -> bool | None:
    p = _p(view)
    keys = p["access_keys"]
    pw = p["console_access"] and p["password_last_used_days"] is not None and p["password_last_used_days"] > 45
    if keys is None:
        return False if pw else None
    for k in keys:
        used = k["last_used_days"] if k["last_used_days"] is not None else k["age_days"]
        if k["active"] is True and used is not None and used > 45:
            return False
    if pw:
        return False
    unknown = any(k["active"] is None or (k["active"] and k["last_used_days"] is None and k["age_days"] is None)
                  for k in keys)
    return None if unknown else True


def _admin_policy(view: View) -> bool | None:
    attached = _p(view)["attached_policies"]
    if attached is None:
        return None
    if any(a.get("admin_equivalent") is True for a in attached):
        return False
    return None if any(a.get("admin_equivalent") is None for a in attached) else True


def _pab(pab: dict[str, Any]) -> bool | None:
    return _and(pab["block_public_acls"], pab["ignore_public_acls"], pab["block_public_policy"],
                pab["restrict_public_buckets"])


def _ebs_default(view: View) -> bool | None:
    regions = _p(view)["ebs_default_encryption"]
    if regions is None:
        return None
    if any(v is False for v in regions.values()):
        return False
    return None if not regions or any(v is None for v in regions.values()) else True


def _public_instance(view: View) -> bool | None:
    p = _p(view)
    ips, open_ports = p["network"]["public_ips"], p["world_open_ports"]
    no_ip = None if ips is None else len(ips) == 0
    closed = None if open_ports is None else len(open_ports) == 0
    if no_ip or closed:
        return True
    return None if no_ip is None or closed is None else False


def _function_public(view: View) -> bool | None:
    p = _p(view)
    url = p["function_url"]
    return _and(_not(p["public_by_policy"]), url is None or url.get("auth_type") != "NONE")


def _kms_match(view: View) -> bool | None:
    p = _p(view)
    state = None if p["state"] is None else p["state"] == "enabled"
    origin = None if p["origin"] is None else p["origin"] == "AWS_KMS"
    return _and(p["customer_managed"], p["symmetric"], state, origin)


def _customer_managed(view: View) -> bool | None:
    return _p(view)["managed_by"] in ("customer", "inline") if _p(view)["managed_by"] is not None else None


PLAIN_CHECKS: dict[str, tuple[Check | None, Check]] = {
    "ai-notebook-no-direct-internet": (None, lambda v: _not(_p(v)["direct_internet_access"])),
    "ai-notebook-no-root-access": (None, lambda v: _not(_p(v)["root_access"])),
    "ai-training-job-inter-container-encryption": (None, lambda v: _p(v)["inter_container_encryption"]),
    "ai-training-job-network-isolation": (None, lambda v: _p(v)["network_isolation"]),
    "database-backups-enabled": (None, lambda v: _p(v)["backup_retention_days"] > 0),
    "storage-versioning-enabled": (None, lambda v: (_p(v)["versioning"] or {}).get("enabled")),
    "account-disk-encryption-by-default": (None, _ebs_default),
    "ai-endpoint-encrypted-with-cmk": (None, lambda v: _p(v)["encryption"]["customer_managed"]),
    "ai-notebook-encrypted-with-cmk": (None, lambda v: _p(v)["encryption"]["customer_managed"]),
    "ai-training-job-encrypted-with-cmk": (None, lambda v: _p(v)["encryption"]["customer_managed"]),
    "database-encrypted": (None, lambda v: _p(v)["encryption"]["at_rest"]),
    "disk-encrypted": (None, lambda v: _p(v)["encryption"]["at_rest"]),
    "kms-key-rotation-enabled": (_kms_match, lambda v: _p(v)["rotation"]["enabled"]),
    "secret-encrypted-with-cmk": (None, lambda v: _p(v)["encryption"]["customer_managed"]),
    "secret-rotation-enabled": (None, lambda v: _p(v)["rotation"]["enabled"]),
    "storage-encrypted-at-rest": (None, lambda v: _p(v)["encryption"]["at_rest"]),
    "storage-encrypted-with-cmk": (
        lambda v: v["tags"].get("data-classification") in ("confidential", "restricted", "Confidential", "Restricted"),
        lambda v: _p(v)["encryption"]["customer_managed"],
    ),
    "storage-tls-only": (None, lambda v: _p(v)["tls_only"]),
    "trail-encrypted-with-cmk": (None, lambda v: _p(v)["encryption"]["customer_managed"]),
    "account-password-policy-strong": (None, lambda v: _and(
        _p(v)["password_policy"]["present"], _p(v)["password_policy"]["min_length"] >= 14,
        _p(v)["password_policy"]["reuse_prevention"] >= 24)),
    "account-root-mfa": (None, lambda v: _p(v)["root"]["mfa"]),
    "account-root-no-access-keys": (None, lambda v: _not(_p(v)["root"]["access_keys"])),
    "policy-no-admin-equivalent": (
        lambda v: _and(_customer_managed(v), _p(v)["attachment_count"] > 0),
        lambda v: _not(_p(v)["admin_equivalent"]),
    ),
    "policy-no-wildcard-sensitive-services": (
        _customer_managed, lambda v: not any(s in SENSITIVE for s in _p(v)["wildcard_services"])),
    "principal-no-admin-policy": (
        lambda v: not (_p(v)["service_linked"] is True or ":role/aws-service-role/" in v["id"]), _admin_policy),
    "user-access-keys-rotated": (None, _keys_rotated),
    "user-console-mfa": (lambda v: _p(v)["console_access"], lambda v: _p(v)["mfa"]),
    "user-no-direct-policies": (None, lambda v: _and(
        not (_p(v)["inline_policy_count"] > 0),
        None if _p(v)["attached_policies"] is None else len(_p(v)["attached_policies"]) == 0)),
    "user-single-active-access-key": (None, _single_key),
    "user-unused-credentials": (None, _stale),
    "account-cloudtrail-all-regions": (None, lambda v: None if not _p(v)["cloudtrail"]["regions"] else all(
        r in _p(v)["cloudtrail"]["regions_logged"] for r in _p(v)["cloudtrail"]["regions"])),
    "account-cloudtrail-multi-region": (None, lambda v: _p(v)["cloudtrail"]["multi_region_logging"]),
    "trail-log-validation": (None, lambda v: _p(v)["log_validation"]),
    "trail-logging-enabled": (None, lambda v: _p(v)["logging"]["enabled"]),
    "account-storage-public-access-blocked": (None, lambda v: _pab(_p(v)["public_access_block"])),
    "acl-no-world-admin-ports": (None, lambda v: _world_ports_open(v, ADMIN_PORTS)),
    "database-not-public": (None, lambda v: _not(_p(v)["public"])),
    "firewall-default-restricts-all": (lambda v: _p(v)["is_default"], lambda v: None if _p(v)["rules"] is None
                                       else len(_p(v)["rules"]) == 0),
    "firewall-no-world-admin-ports": (None, lambda v: _world_ports_open(v, ADMIN_PORTS)),
    "firewall-no-world-all-ports": (None, _world_all_ports),
    "firewall-no-world-database-ports": (None, lambda v: _world_ports_open(v, DB_PORTS)),
    "function-not-public": (None, _function_public),
    "instance-imdsv2-required": (None, lambda v: _p(v)["imdsv2_required"]),
    "instance-public-ip-behind-world-open-firewall": (None, _public_instance),
    "storage-not-public-by-acl": (None, lambda v: _or(_not(_p(v)["public_by_acl"]),
                                                      _p(v)["public_access_block"]["ignore_public_acls"])),
    "storage-not-public-by-policy": (None, lambda v: _or(_not(_p(v)["public_by_policy"]),
                                                         _p(v)["public_access_block"]["restrict_public_buckets"])),
    "storage-public-access-blocked": (None, lambda v: _pab(_p(v)["public_access_block"])),
}
