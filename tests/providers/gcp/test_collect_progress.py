"""Progress: every task of a run is reported, ending with done == total."""

from __future__ import annotations

from google.auth.credentials import AnonymousCredentials

from cloudwarden.providers.gcp.collector import collect_gcp
from cloudwarden.providers.gcp.scope import GcpScope
from tests.providers.gcp.conftest import fast_retry
from tests.providers.gcp.fake_gcp import FakeGcp


def test_progress_counts_every_task_to_completion(gcp_fake: FakeGcp) -> None:
    seen: list[tuple[int, int, str]] = []

    collect_gcp(GcpScope(projects=["acme-prod"], endpoint=gcp_fake.endpoint), "test",
                progress=lambda *a: seen.append(a), credentials=AnonymousCredentials(), retry=fast_retry())

    done = [d for d, _, _ in seen]
    assert done == list(range(1, len(seen) + 1))
    assert seen[-1][0] == seen[-1][1]
    labels = {label for _, _, label in seen}
    assert {"projects/acme-prod hierarchy", "projects/acme-prod resource", "roles/logging.viewer"} <= labels
