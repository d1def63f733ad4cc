"""GCP resource names: API self-links, relative names and URIs turned into node ids.

Node ids are Cloud Asset Inventory full resource names (``//service.googleapis.com/...``).
The APIs name the same resources in other spellings: compute self-links
(``https://www.googleapis.com/compute/v1/projects/p/zones/z/instances/i``), relative
names (``projects/p/locations/l/keyRings/r/cryptoKeys/k``), ``gs://`` URIs, member
strings. These pure functions map each spelling onto the full resource name.
"""

from __future__ import annotations

import re

RESOURCE_MANAGER = "//cloudresourcemanager.googleapis.com/"
COMPUTE = "//compute.googleapis.com/"
STORAGE = "//storage.googleapis.com/"
KMS = "//cloudkms.googleapis.com/"
IAM = "//iam.googleapis.com/"

_COMPUTE_LINK = re.compile(r"^https?://[^/]+/compute/(?:v1|beta|alpha|staging_v1)/(projects/.*)$")
_KEY_VERSION = re.compile(r"/cryptoKeyVersions/[^/]+$")
_ZONE = re.compile(r"^([a-z]+-[a-z]+\d+)-[a-z]$")
_NUMBER = re.compile(r"^\d+$")


def is_number(text: str | None) -> bool:
    """Whether a project reference is a project number (digits) rather than a project id."""
    return bool(text) and bool(_NUMBER.match(str(text)))


def basename(name: str | None) -> str:
    """The last path segment of a name or URL (``default`` for ``.../networks/default``)."""
    return str(name or "").rstrip("/").rsplit("/", 1)[-1]


def project_node_id(project: str) -> str:
    """The node id of a project given as ``projects/X`` or ``X`` (number or id, as given)."""
    ref = project.split("/", 1)[1] if project.startswith("projects/") else project
    return f"{RESOURCE_MANAGER}projects/{ref}"


def hierarchy_node_id(ref: str) -> str | None:
    """``organizations/1`` / ``folders/2`` / ``projects/3`` (or their full names) as node ids."""
    ref = ref.strip()
    if ref.startswith(RESOURCE_MANAGER):
        return ref
    if ref.startswith(("organizations/", "folders/", "projects/")):
        return RESOURCE_MANAGER + ref
    return None


def compute_id(link: str | None, project: str | None = None) -> str | None:
    """A compute self-link or relative name as its full resource name.

    ``global/networks/default`` (relative to a project) needs ``project``.
    """
    if not link:
        return None
    link = str(link).strip()
    if link.startswith(COMPUTE):
        return link
    match = _COMPUTE_LINK.match(link)
    if match:
        return COMPUTE + match.group(1)
    if link.startswith("projects/"):
        return COMPUTE + link
    if project and link.startswith(("global/", "regions/", "zones/")):
        return f"{COMPUTE}projects/{project}/{link}"
    return None


def kms_key_id(key_name: str | None) -> str | None:
    """A Cloud KMS key (or key version) name as the crypto key's full resource name."""
    if not key_name:
        return None
    name = _KEY_VERSION.sub("", str(key_name).strip())
    if name.startswith(KMS):
        return name
    if name.startswith("projects/") and "/cryptoKeys/" in name:
        return KMS + name
    return None


def bucket_of_uri(uri: str | None) -> str | None:
    """The bucket name of a ``gs://bucket/path`` URI."""
    if not uri or not str(uri).startswith("gs://"):
        return None
    bucket = str(uri)[5:].split("/", 1)[0]
    return bucket or None


def bucket_id(bucket: str) -> str:
    """A bucket's full resource name."""
    return STORAGE + bucket


def service_id(service: str, relative: str | None) -> str | None:
    """A relative name (``projects/p/locations/l/models/m``) under ``//<service>/``."""
    if not relative:
        return None
    relative = str(relative).strip()
    if relative.startswith("//"):
        return relative
    return f"//{service}/{relative}" if relative.startswith(("projects/", "organizations/", "folders/")) else None


def region_of(location: str | None) -> str:
    """The region of a location or zone (``us-central1-a`` -> ``us-central1``), ``global`` when none."""
    if not location:
        return "global"
    loc = basename(str(location)).lower()
    match = _ZONE.match(loc)
    return match.group(1) if match else loc


def project_in_name(name: str) -> str | None:
    """The project segment of a resource name (``.../projects/<x>/...``), number or id as written."""
    parts = name.split("/")
    for index, part in enumerate(parts[:-1]):
        if part == "projects" and parts[index + 1]:
            return parts[index + 1]
    return None


def swap_project(name: str, ref: str) -> str:
    """``name`` with its first ``projects/<x>`` segment replaced by ``projects/<ref>``."""
    return re.sub(r"(^|/)projects/[^/]+", lambda m: f"{m.group(1)}projects/{ref}", name, count=1)
