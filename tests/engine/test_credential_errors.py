"""Without credentials, a cloud scan says so in one line: the SDKs' own multi-line accounts stay quiet."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

# Every probe a credential chain makes goes to a closed loopback port, never to a metadata server.
CLOSED = "127.0.0.1:9"
CLEAN_ENV = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/nonexistent", "CLOUDWARDEN_STORE": os.devnull,
    "IDENTITY_ENDPOINT": f"http://{CLOSED}/msi/token", "IDENTITY_HEADER": "x", "MSI_ENDPOINT": f"http://{CLOSED}/msi",
    "GCE_METADATA_HOST": CLOSED, "GCE_METADATA_IP": CLOSED, "NO_GCE_CHECK": "True",
}


@pytest.mark.parametrize("cloud", ["azure", "gcp"])
def test_missing_credentials_are_one_line_and_exit_2(cloud: str) -> None:
    done = subprocess.run([sys.executable, "-m", "cloudwarden.engine.cli", "scan", cloud, "--no-store"],
                          env=CLEAN_ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("cloudwarden: error:") and done.stderr.count("\n") == 1, done.stderr
