"""Build the demo estate: plant the test estates in a moto server, collect them, write the snapshot.

Run ``python tests/estates/build_demo.py`` after changing a collector or an estate;
``tests/engine/test_demo.py`` fails until the shipped demo matches again.
"""

from __future__ import annotations

import logging
import os
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.estates import aws_data, aws_identity, aws_network, aws_paths  # noqa: E402

DEMO_REGIONS = ["us-east-1"]
DEMO_COLLECTED_AT = "2026-01-01T00:00:00Z"


def plant_all() -> list[Any]:
    """Every planted estate, in a fixed order."""
    expects: list[Any] = []
    for module in (aws_identity, aws_network, aws_data, aws_paths):
        expects.extend(module.plant())
    return expects


def collect_demo() -> Any:
    """The demo: what the current environment's moto server holds, plus the Azure and GCP fakes' planted estates."""
    from cloudwarden.graph.merge import merge_snapshots
    from cloudwarden.providers.aws.collector import collect_aws
    from cloudwarden.providers.aws.scope import AwsScope
    from tests.estates.azure_demo import collect_azure_demo
    from tests.estates.gcp_demo import collect_gcp_demo

    aws = collect_aws(AwsScope(regions=DEMO_REGIONS), "demo")
    return merge_snapshots([aws, collect_azure_demo(), collect_gcp_demo()], "demo", DEMO_COLLECTED_AT)


def _named(node: Any) -> bool:
    """Whether a node has a chosen name (not one moto generated, such as vpc-0a1b... or a key id).

    Azure and GCP ids come from the fakes' fixtures, so they are stable and always compared.
    """
    if node.cloud in ("azure", "gcp"):
        return True
    return bool(node.name) and not node.id.endswith(node.name) and not node.name[:1].isdigit()


def signature(snapshot: Any) -> dict[str, Any]:
    """What must stay in sync: node and edge counts by kind, and chosen names with their facets.

    moto makes random ids on every run, so generated ids are not compared.
    """
    named: dict[str, dict[str, list[str]]] = {}
    for node in snapshot.nodes:
        if not node.reference and _named(node):
            key = node.id if node.cloud in ("azure", "gcp") else node.name
            named.setdefault(node.kind, {})[key] = sorted(node.props)
    return {
        "nodes": dict(Counter(n.kind for n in snapshot.nodes)),
        "edges": dict(Counter(e.kind for e in snapshot.edges)),
        "named": {k: dict(sorted(v.items())) for k, v in sorted(named.items())},
    }


def main() -> None:
    """Start a private moto server, build the estate, write engine/data/demo-estate.json.gz."""
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.server import ThreadedMotoServer

    from cloudwarden.engine.demo import DEMO_PATH
    from cloudwarden.graph.snapshot import write_snapshot

    import socket

    from tests.conftest import resolve_account_prefixed_loopback

    socket.getaddrinfo = resolve_account_prefixed_loopback  # s3control's account-prefixed host
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ.update({
        "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
    })
    try:
        urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")).read()
        plant_all()
        snapshot = collect_demo()
        write_snapshot(snapshot, DEMO_PATH)
        print(f"wrote {DEMO_PATH} ({len(snapshot.nodes)} nodes, {len(snapshot.edges)} edges)")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
