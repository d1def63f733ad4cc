"""Log sinks as ``logging.trail`` nodes (audit configs are the ``audit_logging`` facet, see ``iam``).

A sink exports the log entries its filter matches (all of them with an empty
filter: ``captures_all``) from its project, folder or organization (and, with
``includeChildren``, every project below) to a bucket, dataset, topic or log
bucket. Cloud Logging is global, so a sink covers every region. A sink into a
collected Cloud Storage bucket takes the bucket's encryption facts.
"""

from __future__ import annotations

from cloudwarden.graph.model import Node
from cloudwarden.providers.gcp.normalize import names
from cloudwarden.providers.gcp.normalize.assets import Asset
from cloudwarden.providers.gcp.normalize.builder import Builder
from cloudwarden.providers.gcp.normalize.hierarchy import organization_of
from cloudwarden.providers.gcp.normalize.resources import resource_node, scrub

LOG_SINK = "logging.googleapis.com/LogSink"
_KINDS = {"storage.googleapis.com": "storage", "bigquery.googleapis.com": "bigquery",
          "pubsub.googleapis.com": "pubsub", "logging.googleapis.com": "log_bucket"}


def log_sink(b: Builder, asset: Asset) -> None:
    """One log sink."""
    data = asset.data
    destination = str(data.get("destination") or "")
    service = destination.split("/", 1)[0]
    parts = asset.name.split("/")
    level = "project" if "projects" in parts else ("folder" if "folders" in parts else "organization")
    enabled = not bool(data.get("disabled"))
    props = {
        "destination": destination or None,
        "destination_kind": _KINDS.get(service),
        "filter": data.get("filter") or "",
        "captures_all": not data.get("filter"),
        "include_children": bool(data.get("includeChildren")),
        "level": level,
        "organization_trail": level == "organization" and bool(data.get("includeChildren")),
        "multi_region": True,
        "include_global_events": True,
        "logging": {"enabled": enabled},
        "encryption": {"at_rest": True, "key_id": None, "customer_managed": None},
        "s3_bucket": None,
    }
    if level == "project":
        node_id = resource_node(b, asset, "logging.trail", props,
                                name=str(data.get("name") or names.basename(asset.name)), region="global")
    else:
        node_id = asset.name
        scope = asset.name.split("/sinks/", 1)[0].replace("//logging.googleapis.com/", "")
        with b.producing(organization_of(asset) or scope, "logging"):
            b.add(Node(id=node_id, cloud="gcp", kind="logging.trail", native_type=LOG_SINK, region="global",
                       name=str(data.get("name") or names.basename(asset.name)), props=props, raw=scrub(data)))
            parent = names.hierarchy_node_id(scope)
            if parent:
                b.edge(b.resolve(parent), node_id, "contains")
    if service == "storage.googleapis.com":
        bucket = destination.split("/", 1)[1] if "/" in destination else ""
        if bucket:
            target = b.reference(names.bucket_id(bucket), "storage.bucket", bucket)
            b.nodes[node_id].props["s3_bucket"] = target
            b.edge(node_id, target, "writes_to", uri=f"gs://{bucket}")


def settle_sinks(b: Builder) -> None:
    """A sink into a collected bucket is encrypted as that bucket is."""
    for node in b.nodes.values():
        if node.kind != "logging.trail" or node.cloud != "gcp" or node.native_type != LOG_SINK:
            continue
        target = b.nodes.get(node.props.get("s3_bucket") or "")
        if target is not None and not target.reference and isinstance(target.props.get("encryption"), dict):
            encryption = target.props["encryption"]
            node.props["encryption"] = {k: encryption.get(k) for k in ("at_rest", "key_id", "customer_managed")}


HANDLERS = {LOG_SINK: log_sink}
