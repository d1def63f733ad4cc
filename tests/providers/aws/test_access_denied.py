"""A scan with a read-only identity that may not read everything: gaps are recorded, the rest is collected.

moto only enforces IAM when ``INITIAL_NO_AUTH_ACTION_COUNT`` is set before it is
imported, so this module runs a moto server of its own in a subprocess. Its
first few calls (the setup below) run unauthenticated; every later call is
checked against the restricted user's policy.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import boto3
import pytest

from cloudwarden.graph.snapshot import Snapshot
from cloudwarden.providers.aws.collector import collect_aws
from cloudwarden.providers.aws.scope import AwsScope

# The auditor may read IAM and describe its organization, nothing else.
AUDITOR_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Action": ["sts:GetCallerIdentity", "iam:Get*", "iam:List*", "organizations:Describe*"],
    "Resource": "*",
}]}
SETUP_CALLS = 5  # create_organization, create_user, put_user_policy, create_access_key, create_secret
ACCOUNT = "arn:aws:iam::123456789012:root"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the moto server exited at start")
        try:
            urllib.request.urlopen(f"{url}/moto-api/data.json", timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the moto server did not start")


@pytest.fixture(scope="module")
def enforcing_moto() -> Iterator[str]:
    """A moto server that enforces IAM after ``SETUP_CALLS`` unauthenticated calls."""
    port = _free_port()
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS), "MOTO_IAM_LOAD_MANAGED_POLICIES": "false"}
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def restricted_scan(enforcing_moto: str) -> Iterator[Snapshot]:
    """Plant an organization, a secret and an auditor; scan as the auditor."""
    admin = {"endpoint_url": enforcing_moto, "region_name": "us-east-1",
             "aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
    boto3.client("organizations", **admin).create_organization(FeatureSet="ALL")
    iam = boto3.client("iam", **admin)
    iam.create_user(UserName="auditor")
    iam.put_user_policy(UserName="auditor", PolicyName="read-iam", PolicyDocument=json.dumps(AUDITOR_POLICY))
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    boto3.client("secretsmanager", **admin).create_secret(Name="hidden", SecretString="value")
    with pytest.MonkeyPatch.context() as env:
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
            env.delenv(var, raising=False)
        env.setenv("AWS_ENDPOINT_URL", enforcing_moto)
        env.setenv("AWS_ACCESS_KEY_ID", key["AccessKeyId"])
        env.setenv("AWS_SECRET_ACCESS_KEY", key["SecretAccessKey"])
        env.setenv("AWS_DEFAULT_REGION", "us-east-1")
        env.setenv("AWS_CONFIG_FILE", os.devnull)
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        scope = AwsScope(regions=["us-east-1"], services=["iam", "secretsmanager", "organizations"])
        yield collect_aws(scope, "test")


def _gaps(snapshot: Snapshot, service: str) -> list[dict]:
    return [g for g in snapshot.coverage_gaps() if g["service"] == service]


def test_a_denied_list_call_is_an_access_denied_gap_for_its_service(restricted_scan: Snapshot) -> None:
    [gap] = _gaps(restricted_scan, "secretsmanager")
    assert gap["reason"] == "access_denied"
    assert gap["region"] == "us-east-1"


def test_a_denied_service_yields_no_nodes(restricted_scan: Snapshot) -> None:
    assert [n for n in restricted_scan.nodes if n.kind == "secret"] == []


def test_services_that_are_allowed_are_still_collected(restricted_scan: Snapshot) -> None:
    assert [n.name for n in restricted_scan.nodes if n.kind == "identity.user"] == ["auditor"]
    assert _gaps(restricted_scan, "iam") == []


def test_a_member_view_of_the_organization_is_kept_when_its_tree_is_denied(restricted_scan: Snapshot) -> None:
    facet = restricted_scan.node_index()[ACCOUNT].props["organization"]
    assert facet["member"] is True and facet["master_account"] == "123456789012"
    assert facet["scps_readable"] is False
    assert [g["reason"] for g in _gaps(restricted_scan, "organizations")] == ["access_denied"]
