"""The ``collect gcp`` / ``scan gcp`` flags and how they reach the collector."""

from __future__ import annotations

import argparse

import pytest

from cloudwarden.providers.errors import ProviderInputError
from cloudwarden.providers.gcp.command import add_options, collect_from_args
from tests.providers.gcp.fake_gcp import FakeGcp


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_options(parser)
    return parser.parse_args(argv)


def test_scope_flags_repeat() -> None:
    args = parse("--project", "a", "--project", "b", "--folder", "1", "--organization", "2")

    assert (args.project, args.folder, args.organization) == (["a", "b"], ["1"], ["2"])


def test_from_export_with_live_flags_is_refused() -> None:
    with pytest.raises(ProviderInputError, match="--from-export reads files only; drop --project"):
        collect_from_args(parse("--from-export", "x.json", "--project", "a"), "test")


def test_max_workers_below_one_is_refused() -> None:
    with pytest.raises(ProviderInputError, match="--max-workers"):
        collect_from_args(parse("--max-workers", "0"), "test")


def test_flags_drive_a_live_collection(gcp_fake: FakeGcp, monkeypatch: pytest.MonkeyPatch) -> None:
    from google.auth.credentials import AnonymousCredentials

    from cloudwarden.providers.gcp import collector

    monkeypatch.setattr(collector, "load_credentials", lambda *a, **k: AnonymousCredentials())
    args = parse("--project", "acme-prod", "--endpoint", gcp_fake.endpoint, "--asset-type",
                 "storage.googleapis.com/Bucket")

    snapshot = collect_from_args(args, "test")

    assert "//storage.googleapis.com/acme-prod-public" in snapshot.node_index()
    asset_calls = gcp_fake.calls(r"^GET /v1/projects/acme-prod/assets$")
    assert {tuple(c.query["assetTypes"]) for c in asset_calls} == {("storage.googleapis.com/Bucket",)}


def test_from_export_reads_the_files_instead_of_calling_the_apis() -> None:
    from tests.conftest import FIXTURES

    exports = FIXTURES / "gcp" / "exports"
    args = parse("--from-export", str(exports / "acme-resource.ndjson"),
                 "--from-export", str(exports / "acme-iam-policy.ndjson"))

    snapshot = collect_from_args(args, "test")

    assert snapshot.nodes and {s.cloud for s in snapshot.sources} == {"gcp"}
