"""The CLI glue: flags -> live collection on the endpoint the environment names, or the export import."""

from __future__ import annotations

import argparse

from cloudwarden.providers.azure import collector, command

from tests.providers.azure.conftest import PROD, ROOT_FIXTURES


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    command.add_options(parser)
    return parser.parse_args(list(argv))


def test_live_collection_from_flags_uses_the_environment_endpoint(azure_fake, monkeypatch):
    monkeypatch.setenv("CLOUDWARDEN_AZURE_ENDPOINT", azure_fake.endpoint)
    built = []

    def credential_for(options, authority=None):
        built.append((options, authority))
        return azure_fake.credential

    monkeypatch.setattr(collector, "build_credential", credential_for)
    progress = []
    snapshot = command.collect_from_args(
        parse("--subscription", PROD, "--ca-bundle", azure_fake.ca_path, "--tenant", "t-1", "--max-workers", "2"),
        "test", lambda done, total, label: progress.append((done, total)))
    assert [s.account for s in snapshot.sources if s.account == PROD] == [PROD]
    assert built[0][0].tenant == "t-1" and built[0][1] is None  # a custom endpoint has no known authority
    assert progress and progress[-1][0] == progress[-1][1]
    assert all(r.path.startswith(("/subscriptions", "/providers")) for r in azure_fake.server.requests)


def test_from_export_reads_files_without_calling_azure(azure_fake):
    exports = sorted(str(p) for p in (ROOT_FIXTURES / "azure" / "exports").glob("*.json"))
    snapshot = command.collect_from_args(parse(*[a for p in exports for a in ("--from-export", p)]), "test")
    assert snapshot.nodes
    assert not azure_fake.server.requests
