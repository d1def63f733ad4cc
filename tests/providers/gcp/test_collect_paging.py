"""Asset Inventory paging: the collector follows ``nextPageToken`` until the last page."""

from __future__ import annotations

import json

from google.auth.credentials import AnonymousCredentials

from cloudwarden.providers.gcp.asset_inventory import (
    FALLBACK_ASSET_TYPES,
    PAGE_SIZE,
    list_assets,
)
from cloudwarden.providers.gcp.credentials import GcpConnection
from tests.providers.gcp.fake_gcp import API_FIXTURES, FakeGcp


def planted_resource_names() -> set[str]:
    assets = json.loads((API_FIXTURES / "planted" / "assets" / "acme-prod.json").read_text())["assets"]
    return {a["name"] for a in assets}


def test_every_page_of_list_assets_is_collected(gcp_fake: FakeGcp) -> None:
    gcp_fake.max_page_size = 3  # the fixture has 28 resources: ten pages
    conn = GcpConnection(AnonymousCredentials(), gcp_fake.endpoint)

    records = list_assets(conn, "projects/acme-prod", "RESOURCE", list(FALLBACK_ASSET_TYPES))

    names = {r["name"] for r in records}
    assert planted_resource_names() <= names
    pages = gcp_fake.calls(r"^GET /v1/projects/acme-prod/assets$")
    assert len(pages) >= 10
    assert all(p.query["pageSize"] == [str(PAGE_SIZE)] for p in pages)
    assert "pageToken" not in pages[0].query and all("pageToken" in p.query for p in pages[1:])
    assert len(records) == len(names)  # no page read twice
