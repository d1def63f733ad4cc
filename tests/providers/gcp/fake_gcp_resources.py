"""The writable side of the GCP fake: buckets, firewall rules and crypto keys read and changed through their APIs.

``resource_api(fake, ...)`` answers these routes from the fake's in-memory assets
(``fake.state.assets``; the fixture files are never written), so a write shows in
the next read and in the next ListAssets:

- Cloud Storage JSON API: ``GET/PATCH /storage/v1/b/<bucket>``: the asset's
  ``resource.data``; a patch is a JSON merge, honours ``ifMetagenerationMatch``
  (else 412) and bumps ``metageneration``. ``GET/PUT /storage/v1/b/<bucket>/iam``:
  the asset's ``iamPolicy``; a put replaces it when its ``etag`` is the current
  one (else 412) and gets a new etag. Bucket ACL grants to principals show in the
  policy as legacy roles (READER -> ``roles/storage.legacyBucketReader``...), and
  a grant whose legacy-role binding a put leaves out leaves the ACL too: GCS
  links bucket ACLs and legacy roles that way.
- Compute: ``GET/PATCH /compute/v1/projects/<p>/global/firewalls/<name>``; a patch
  merges and answers a finished (``DONE``) global operation, readable at
  ``.../global/operations/<name>``.
- Cloud KMS: ``GET/PATCH /v1/projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>``;
  a patch sets the fields its ``updateMask`` names.
"""

from __future__ import annotations

import base64
import json
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.providers.gcp.fake_gcp import FakeGcp

# Paths of the resources that can be read and written, and the asset name each stands for.
WRITABLE = ((re.compile(r"^/storage/v1/b/([^/]+)(/iam)?$"), "//storage.googleapis.com/{}"),
            (re.compile(r"^/compute/v1/(projects/[^/]+/global/firewalls/[^/]+)()$"), "//compute.googleapis.com/{}"),
            (re.compile(r"^/v1/(projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/:]+)()$"),
             "//cloudkms.googleapis.com/{}"))
OPERATION = re.compile(r"^/compute/v1/projects/([^/]+)/global/operations/([^/]+)$")
LEGACY_ROLES = {"READER": "roles/storage.legacyBucketReader", "WRITER": "roles/storage.legacyBucketWriter",
                "OWNER": "roles/storage.legacyBucketOwner"}
STATUS_NAMES = {404: "NOT_FOUND", 405: "UNIMPLEMENTED", 412: "FAILED_PRECONDITION"}


def resource_api(fake: FakeGcp, method: str, path: str, query: dict[str, list[str]],
                 body: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """Status and body for a read or write of an asset's bucket, firewall rule or key; None for other paths."""
    if (op := OPERATION.match(path)) and method == "GET":
        return 200, _operation(fake.endpoint, op.group(1), op.group(2))
    found = next(((m, name.format(m.group(1))) for regex, name in WRITABLE if (m := regex.match(path))), None)
    if found is None:
        return None
    match, name = found
    with fake._lock:
        asset = next((a for a in fake.state.assets if a["name"] == name and "resource" in a), None)
        if asset is None:
            return _status(404, f"The resource {name} was not found")
        data = asset["resource"]["data"]
        if match.group(2):
            return _bucket_iam(fake, asset, method, body)
        if method == "PATCH" and path.startswith("/storage/"):
            if query.get("ifMetagenerationMatch", [data["metageneration"]])[0] != data["metageneration"]:
                return _status(412, "At least one of the pre-conditions you specified did not hold.")
            _merge(data, body)
            data["metageneration"] = str(int(data["metageneration"]) + 1)
        elif method == "PATCH" and path.startswith("/compute/"):
            _merge(data, body)
            return 200, _operation(fake.endpoint, match.group(1).split("/")[1], f"operation-{len(fake.requests)}")
        elif method == "PATCH":  # Cloud KMS sets the fields the update mask names
            data.update({f: body[f] for f in ",".join(query.get("updateMask", [])).split(",") if f in body})
        elif method != "GET":
            return _status(405, f"{method} is not supported on {path}")
        return 200, json.loads(json.dumps(data))


def _bucket_iam(fake: FakeGcp, asset: dict[str, Any], method: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """A bucket's IAM policy: the asset's, with the bucket ACL's grants as legacy roles."""
    data = asset["resource"]["data"]
    policy = asset.get("iamPolicy") or {"version": 1, "etag": "BwYAAAAAAAA="}
    if method == "PUT":
        if body.get("etag") and body["etag"] != policy.get("etag"):
            return _status(412, "the IAM policy changed since it was read (etag mismatch)")
        fake.iam_writes += 1
        asset["iamPolicy"] = policy = {"version": body.get("version") or 1, "bindings": body.get("bindings") or [],
                                       "etag": base64.b64encode(f"policy-{fake.iam_writes}".encode()).decode()}
        kept = {(b.get("role"), m) for b in policy["bindings"] for m in b.get("members") or []}
        if "acl" in data:  # a legacy-role grant taken out of the policy leaves the ACL too
            data["acl"] = [e for e in data["acl"] if _acl_grant(e) is None or _acl_grant(e) in kept]
    elif method != "GET":
        return _status(405, f"{method} is not supported on a bucket's IAM policy")
    shown = json.loads(json.dumps(policy))
    for role, member in filter(None, map(_acl_grant, data.get("acl") or [])):
        binding = next((b for b in shown.setdefault("bindings", []) if b.get("role") == role), None)
        if binding is None:
            shown["bindings"].append(binding := {"role": role, "members": []})
        if member not in binding["members"]:
            binding["members"].append(member)
    return 200, {"kind": "storage#policy", "resourceId": f"projects/_/buckets/{data['name']}", **shown}


def _acl_grant(entry: dict[str, Any]) -> tuple[str, str] | None:
    """The (legacy role, member) a bucket ACL entry shows as in IAM; None for project teams (in the policy)."""
    entity = str(entry.get("entity", ""))
    kind, _, who = entity.partition("-")
    member = entity if entity in ("allUsers", "allAuthenticatedUsers") else (
        f"{kind}:{who}" if kind in ("user", "group", "domain") else None)
    return (LEGACY_ROLES[entry["role"]], member) if member and entry.get("role") in LEGACY_ROLES else None


def _operation(endpoint: str, project: str, name: str) -> dict[str, Any]:
    """A finished global Compute operation (a patch here is done when it answers)."""
    return {"kind": "compute#operation", "id": "1", "name": name, "operationType": "patch", "status": "DONE",
            "progress": 100, "selfLink": f"{endpoint}/compute/v1/projects/{project}/global/operations/{name}"}


def _merge(into: dict[str, Any], changes: dict[str, Any]) -> None:
    """A JSON merge of ``changes`` into ``into`` (nested objects merged, anything else replaced)."""
    for key, value in (changes or {}).items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = json.loads(json.dumps(value))


def _status(code: int, message: str) -> tuple[int, dict[str, Any]]:
    """The Google JSON error shape."""
    return code, {"error": {"code": code, "message": message, "status": STATUS_NAMES.get(code, "UNKNOWN"),
                            "errors": [{"message": message, "domain": "global", "reason": "fake"}]}}
