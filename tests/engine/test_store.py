"""The scan history store: schema and migrations, atomic recording, concurrency, bad files."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.store import (
    ScanMeta,
    Store,
    StoreError,
    StoreMissingError,
    UnknownScanError,
    default_store_path,
    open_store,
    store_path,
)
from cloudwarden.engine.store.schema import LATEST_VERSION
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot, write_snapshot

ACCOUNT = "111122223333"


def meta(**overrides: Any) -> ScanMeta:
    fields: dict[str, Any] = {
        "started_at": "2025-03-01T12:00:00Z", "finished_at": "2025-03-01T12:00:05Z", "tool_version": "0.1.0",
        "source": "/data/estate.json.gz", "collected_at": "2025-03-01T11:59:00Z",
        "sources": [{"cloud": "aws", "account": ACCOUNT, "regions": ["us-east-1"]}],
        "coverage_gaps": 2, "policies": ["storage-encrypted-at-rest", "bucket-not-public"]}
    return ScanMeta(**{**fields, **overrides})


def finding(name: str, severity: str = "high", policy: str = "storage-encrypted-at-rest",
            suppressed: bool = False) -> dict[str, Any]:
    return {"id": f"fp-{policy}-{name}", "policy": policy, "severity": severity, "suppressed": suppressed,
            "resource": {"id": f"arn:aws:s3:::{name}", "kind": "storage.bucket", "cloud": "aws",
                         "account": ACCOUNT, "name": name}}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store.open(tmp_path / "history.sqlite3") as opened:
        yield opened


def scan_count(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as conn:
        return (conn.execute("SELECT COUNT(*) FROM scans").fetchone()[0],
                conn.execute("SELECT COUNT(*) FROM findings").fetchone()[0])


# --- schema -------------------------------------------------------------------------------------


def test_new_store_is_at_the_latest_schema_version_in_wal_mode(store: Store) -> None:
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT MAX(version) FROM schema_version").fetchone()[0] == LATEST_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    for _ in range(3):
        Store.open(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == LATEST_VERSION


def test_store_written_by_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    Store.open(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (LATEST_VERSION + 1,))
    with pytest.raises(StoreError, match="written by a newer cloudwarden"):
        Store.open(path)


# --- recording ----------------------------------------------------------------------------------


def test_recorded_scan_reads_back_with_its_metadata_and_findings(store: Store) -> None:
    scan_id = store.record_scan(meta(), {"findings": 2, "suppressed": 1},
                                [finding("a"), finding("b", "low", suppressed=True)])
    row = store.scan(scan_id)
    assert row.meta == meta()
    assert row.meta.accounts == [ACCOUNT] and row.meta.clouds == ["aws"]
    assert row.summary == {"findings": 2, "suppressed": 1}
    assert [f["resource"]["name"] for f in store.findings(scan_id)] == ["a", "b"]
    assert store.severity_counts([scan_id]) == {scan_id: {"high": 1}}  # suppressed findings are not counted


def test_exception_while_recording_leaves_no_partial_scan(store: Store) -> None:
    def findings() -> Any:
        yield finding("a")
        yield finding("b")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        store.record_scan(meta(), {}, findings())
    assert store.scans() == []
    assert scan_count(store.path) == (0, 0)


def test_process_killed_while_recording_leaves_no_partial_scan(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    # The child writes the scan row and two findings, then dies without any cleanup mid-transaction.
    child = textwrap.dedent(f"""
        import os
        from cloudwarden.engine.store import ScanMeta, Store
        def findings():
            for name in ("a", "b"):
                yield {{"id": name, "policy": "p", "severity": "high",
                        "resource": {{"id": name, "kind": "storage.bucket", "cloud": "aws"}}}}
            os._exit(9)
        store = Store.open({str(path)!r})
        store.record_scan(ScanMeta(started_at="s", finished_at="f", tool_version="t", source="live"), {{}}, findings())
    """)
    result = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 9, result.stderr
    with Store.open(path) as store:
        assert store.scans() == []
    assert scan_count(path) == (0, 0)


def test_concurrent_writers_each_record_every_scan(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    Store.open(path).close()
    errors: list[Exception] = []

    def writer(n: int) -> None:
        try:
            with Store.open(path) as own:  # one connection per writer, as separate scans have
                for i in range(10):
                    own.record_scan(meta(source=f"writer-{n}"), {}, [finding(f"w{n}-{i}-{j}") for j in range(20)])
        except Exception as exc:  # noqa: BLE001 (the main thread asserts there were none)
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert scan_count(path) == (40, 800)


def test_latest_and_previous_follow_recording_order(store: Store) -> None:
    first, second, third = (store.record_scan(meta(), {}, []) for _ in range(3))
    assert store.resolve("latest").id == third
    assert store.resolve("previous").id == second
    assert store.resolve(str(first)).id == first
    assert [r.id for r in store.scans(limit=2)] == [third, second]


@pytest.mark.parametrize(("ref", "message"), [("42", "no scan 42"), ("latest", "has no scans"),
                                               ("previous", "has no scans"), ("last", "not a scan id")])
def test_unknown_scan_references_are_named(store: Store, ref: str, message: str) -> None:
    with pytest.raises(UnknownScanError, match=message):
        store.resolve(ref)


# --- where the store is, and bad files ---------------------------------------------------------


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="XDG data folder: Linux")
def test_default_store_is_history_file_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.delenv("CLOUDWARDEN_STORE")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_store_path() == tmp_path / "data" / "cloudwarden" / "history.sqlite3"
    assert store_path(None) == (default_store_path(), True)


def test_flag_beats_environment_which_beats_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CLOUDWARDEN_STORE", str(tmp_path / "env.sqlite3"))
    assert store_path(None) == (tmp_path / "env.sqlite3", False)
    assert store_path(str(tmp_path / "flag.sqlite3")) == (tmp_path / "flag.sqlite3", False)


def test_reading_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreMissingError):
        open_store(str(tmp_path / "none.sqlite3"), create=False)
    assert not (tmp_path / "none.sqlite3").exists()


@pytest.mark.parametrize(("setup", "message"), [
    (lambda p: p.write_bytes(b"this is not a database, just some text " * 50), "damaged or not a database"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: sqlite3.connect(p).execute("CREATE TABLE customers (id INTEGER)").connection.commit(),
     "not a cloudwarden history store"),
])
def test_files_that_are_not_a_store_are_refused(tmp_path: Path, setup: Any, message: str) -> None:
    path = tmp_path / "h.sqlite3"
    setup(path)
    with pytest.raises(StoreError, match=message):
        Store.open(path)


def test_explicit_store_in_a_missing_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="does not exist"):
        open_store(str(tmp_path / "no-such-folder" / "h.sqlite3"))


# --- scan records through the command line ----------------------------------------------------


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "estate.json"
    write_snapshot(Snapshot(collected_at="2025-03-01T11:59:00Z", nodes=[
        Node(id="arn:aws:s3:::plain", cloud="aws", kind="storage.bucket", name="plain", account=ACCOUNT,
             props={"encryption": {"at_rest": False}}),
    ]), path)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_scan_records_itself_in_the_store(capsys: pytest.CaptureFixture[str], snapshot_file: Path,
                                          tmp_path: Path) -> None:
    path = tmp_path / "mine.sqlite3"
    code, _, err = run(capsys, "scan", "--snapshot", str(snapshot_file), "--store", str(path),
                       "--policy", "storage-encrypted-at-rest")
    assert code == 0 and f"recorded scan 1 in {path}" in err
    with Store.open(path) as store:
        row = store.resolve("latest")
        assert row.meta.source == str(snapshot_file.resolve())
        assert row.meta.collected_at == "2025-03-01T11:59:00Z"
        assert row.meta.policies == ["storage-encrypted-at-rest"]
        assert [f["resource"]["name"] for f in store.findings(row.id)] == ["plain"]


def test_scan_uses_the_environment_store_by_default(capsys: pytest.CaptureFixture[str], snapshot_file: Path,
                                                    isolated_history_store: Path) -> None:
    run(capsys, "scan", "--snapshot", str(snapshot_file))
    assert scan_count(isolated_history_store)[0] == 1


def test_no_store_records_nothing(capsys: pytest.CaptureFixture[str], snapshot_file: Path,
                                  isolated_history_store: Path) -> None:
    code, _, err = run(capsys, "scan", "--snapshot", str(snapshot_file), "--no-store")
    assert code == 0 and "recorded scan" not in err
    assert not isolated_history_store.exists()


@pytest.mark.parametrize(("argv", "message"), [
    (["--store", "{tmp}/missing/h.sqlite3"], "folder {tmp}/missing does not exist"),
    (["--store", "{tmp}"], "is a directory"),
    (["--store", "{tmp}/x.sqlite3", "--no-store"], "--store and --no-store exclude each other"),
])
def test_bad_store_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], snapshot_file: Path, tmp_path: Path,
                                         argv: list[str], message: str) -> None:
    args = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, out, err = run(capsys, "scan", "--snapshot", str(snapshot_file), *args)
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"cloudwarden: error: {err.split('error: ', 1)[1].strip()}"]
    assert message.replace("{tmp}", str(tmp_path)) in err


def test_corrupt_store_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], snapshot_file: Path,
                                             tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"\x00garbage" * 512)
    code, _, err = run(capsys, "scan", "--snapshot", str(snapshot_file), "--store", str(bad))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "damaged or not a database" in err
