"""``cloudwarden history``: recorded scans, counts by severity and the trend between scans."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.history import scan_entries, trend
from cloudwarden.engine.store import ScanMeta, Store

ACCOUNT = "111122223333"


def meta() -> ScanMeta:
    return ScanMeta(started_at="2025-03-01T12:00:00Z", finished_at="2025-03-01T12:00:05Z", tool_version="0.1.0",
                    source="live", sources=[{"cloud": "aws", "account": ACCOUNT, "regions": []}])


def finding(name: str, severity: str, policy: str = "p1", suppressed: bool = False) -> dict[str, Any]:
    return {"id": f"{policy}/{name}", "policy": policy, "severity": severity, "suppressed": suppressed,
            "resource": {"id": name, "kind": "storage.bucket", "cloud": "aws", "account": ACCOUNT}}


@pytest.fixture
def store(isolated_history_store: Path) -> Store:
    """Three scans: 2 high + 1 low; then 1 high + 1 critical (+1 suppressed); then 3 high (policy p2)."""
    with Store.open(isolated_history_store) as opened:
        opened.record_scan(meta(), {"suppressed": 0}, [finding("a", "high"), finding("b", "high"), finding("c", "low")])
        opened.record_scan(meta(), {"suppressed": 1}, [finding("a", "high"), finding("d", "critical"),
                                                       finding("e", "high", suppressed=True)])
        opened.record_scan(meta(), {"suppressed": 0}, [finding(n, "high", "p2") for n in "xyz"])
        yield opened


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_scans_are_listed_newest_first_with_unsuppressed_counts(store: Store) -> None:
    entries = scan_entries(store, limit=10)
    assert [e["id"] for e in entries] == [3, 2, 1]
    assert entries[1]["counts"] == {"total": 2, "suppressed": 1,
                                    "by_severity": {"critical": 1, "high": 1, "medium": 0, "low": 0, "info": 0}}


def test_each_scan_has_its_delta_against_the_one_before(store: Store) -> None:
    entries = scan_entries(store, limit=10)
    assert entries[0]["delta"]["total"] == 1 and entries[0]["delta"]["against"] == 2
    assert entries[1]["delta"]["by_severity"] == {"critical": 1, "high": -1, "medium": 0, "low": -1, "info": 0}
    assert entries[2]["delta"] is None  # the first scan ever has nothing to compare with


def test_delta_reaches_past_the_limit(store: Store) -> None:
    (only,) = scan_entries(store, limit=1)
    assert only["delta"] == {"against": 2, "total": 1, "by_severity": {"critical": -1, "high": 2, "medium": 0,
                                                                        "low": 0, "info": 0}}


def test_per_policy_counts_and_their_change(store: Store) -> None:
    latest = scan_entries(store, limit=1, by_policy=True)[0]
    assert latest["by_policy"] == {"p2": 3}
    assert latest["policy_delta"] == {"p1": -2, "p2": 3}


def test_trend_is_oldest_first(store: Store) -> None:
    points = trend(store)
    assert [p["id"] for p in points] == [1, 2, 3]
    assert [p["by_severity"]["high"] for p in points] == [2, 1, 3]


def test_history_json(capsys: pytest.CaptureFixture[str], store: Store) -> None:
    code, out, _ = run(capsys, "history", "--format", "json", "--limit", "2")
    doc = json.loads(out)
    assert code == 0 and doc["schema"] == "cloudwarden.history/v1"
    assert [s["id"] for s in doc["scans"]] == [3, 2]
    assert doc["scans"][0]["accounts"] == [ACCOUNT]


def test_history_table_shows_counts_delta_and_policies(capsys: pytest.CaptureFixture[str], store: Store) -> None:
    code, out, _ = run(capsys, "history", "--by-policy")
    assert code == 0
    assert "SCANS (3)" in out and "FINDINGS BY POLICY" in out
    row = next(line for line in out.splitlines() if line.startswith("│  3 "))
    assert "+1" in row and "live" in row


def test_missing_store_is_an_empty_history_and_creates_nothing(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    path = tmp_path / "never.sqlite3"
    code, out, err = run(capsys, "history", "--store", str(path))
    assert code == 0 and "no scans recorded" in out and "no scan history at" in err
    assert not path.exists()


def test_limit_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "history", "--limit", "0")
    assert code == 2 and "must be at least 1" in err


def test_corrupt_store_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not sqlite at all" * 100)
    code, _, err = run(capsys, "history", "--store", str(bad))
    assert code == 2 and len(err.strip().splitlines()) == 1
