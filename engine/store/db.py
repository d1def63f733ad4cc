"""The SQLite scan history: open (and migrate), record one scan per transaction, read scans back.

WAL journaling lets readers (``history``, ``diff``) run while a scan records; a busy timeout
makes concurrent writers wait for each other instead of failing. A scan and all its findings
are written in one ``BEGIN IMMEDIATE`` transaction, so a crash midway leaves no trace of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from cloudwarden.engine.store.schema import SchemaTooNewError, current_version, migrate
from cloudwarden.graph.snapshot import Snapshot, now_rfc3339

BUSY_TIMEOUT_SECONDS = 30.0
OWN_TABLES = frozenset({"schema_version", "scans", "findings"})
REFS = ("latest", "previous")


class StoreError(Exception):
    """The history store cannot be opened, is damaged, or lacks what was asked; names the file."""


class StoreMissingError(StoreError):
    """No store exists yet at the path (nothing was ever recorded there)."""


class UnknownScanError(StoreError):
    """A scan id or reference (``latest``, ``previous``) that the store does not hold."""


@dataclass(frozen=True)
class ScanMeta:
    """What is recorded about a scan besides its findings."""

    started_at: str
    finished_at: str
    tool_version: str
    source: str  # snapshot path, "live" or "demo"
    collected_at: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)  # [{cloud, account, regions}]
    coverage_gaps: int = 0
    policies: list[str] = field(default_factory=list)
    saved_snapshot: str | None = None

    @classmethod
    def for_snapshot(cls, snapshot: Snapshot, *, source: str, started_at: str, tool_version: str,
                     policies: list[str], saved_snapshot: str | None = None) -> ScanMeta:
        """The metadata of a scan of ``snapshot`` that finishes now."""
        return cls(started_at=started_at, finished_at=now_rfc3339(), tool_version=tool_version, source=source,
                   collected_at=snapshot.collected_at or None,
                   sources=[{"cloud": s.cloud, "account": s.account, "regions": list(s.regions)}
                            for s in snapshot.sources],
                   coverage_gaps=len(snapshot.coverage_gaps()), policies=policies, saved_snapshot=saved_snapshot)

    @property
    def clouds(self) -> list[str]:
        """The clouds the scan looked at."""
        return sorted({str(s["cloud"]) for s in self.sources if s.get("cloud")})

    @property
    def accounts(self) -> list[str]:
        """The accounts (subscriptions, projects) the scan looked at."""
        return sorted({str(s["account"]) for s in self.sources if s.get("account")})


@dataclass(frozen=True)
class ScanRow:
    """A recorded scan as read back from the store."""

    id: int
    meta: ScanMeta
    summary: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The scan as plain data (``history --format json``, ``diff`` headers)."""
        m = self.meta
        return {"id": self.id, "started_at": m.started_at, "finished_at": m.finished_at,
                "tool_version": m.tool_version, "source": m.source, "saved_snapshot": m.saved_snapshot,
                "collected_at": m.collected_at, "clouds": m.clouds, "accounts": m.accounts,
                "sources": m.sources, "coverage_gaps": m.coverage_gaps, "policy_count": len(m.policies),
                "summary": self.summary}


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_SECONDS * 1000)}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


class Store:
    """One open history store; use as a context manager or call ``close``."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self._conn = conn

    @classmethod
    def open(cls, path: str | Path, create: bool = True) -> Store:
        """Open (creating and migrating as needed) the store at ``path``.

        ``create=False`` refuses to create a new file (read-only commands must not
        leave empty stores behind typos) and raises ``StoreMissingError``.
        """
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"history store {path} is a directory, not a file")
        if not path.exists():
            if not create:
                raise StoreMissingError(f"no scan history at {path}")
            if not path.parent.is_dir():
                raise StoreError(f"cannot create history store {path}: folder {path.parent} does not exist")
        try:
            conn = _connect(path)
        except sqlite3.DatabaseError as exc:
            if path.exists() and path.stat().st_size:
                raise StoreError(f"history store {path} is damaged or not a database: {exc}") from None
            raise StoreError(f"cannot open history store {path}: {exc}") from None
        try:
            if current_version(conn) == 0:
                # Our own tables may appear meanwhile: another process can be migrating this new file.
                tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                                     "AND name NOT LIKE 'sqlite_%'")}
                if tables - OWN_TABLES:
                    raise StoreError(f"{path} is an SQLite database but not a cloudwarden history store")
            migrate(conn)
        except SchemaTooNewError as exc:
            conn.close()
            raise StoreError(f"history store {path} was written by a newer cloudwarden ({exc})") from None
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"history store {path} is damaged or not a database: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return cls(path, conn)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        try:
            yield self._conn
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"history store {self.path} is damaged: {exc}") from None

    # --- writing ------------------------------------------------------------------------------

    def record_scan(self, meta: ScanMeta, summary: dict[str, Any], findings: Iterable[dict[str, Any]]) -> int:
        """Record a scan and its findings (plain-data dicts as ``--format json`` writes them); returns its id.

        Everything happens in one transaction: an exception while the findings are
        written (or a crash) rolls back the whole scan.
        """
        conn = self._conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot write history store {self.path}: {exc}") from None
        try:
            cursor = conn.execute(
                "INSERT INTO scans (started_at, finished_at, tool_version, source, saved_snapshot, collected_at,"
                " sources, clouds, accounts, coverage_gaps, policies, policy_count, summary)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (meta.started_at, meta.finished_at, meta.tool_version, meta.source, meta.saved_snapshot,
                 meta.collected_at, json.dumps(meta.sources), json.dumps(meta.clouds), json.dumps(meta.accounts),
                 meta.coverage_gaps, json.dumps(meta.policies), len(meta.policies), json.dumps(summary)),
            )
            scan_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO findings (scan_id, fingerprint, policy, severity, resource_id, resource_kind, cloud,"
                " account, suppressed, finding) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((scan_id, f["id"], f["policy"], f["severity"], f["resource"]["id"], f["resource"]["kind"],
                  f["resource"]["cloud"], f["resource"].get("account"), int(bool(f.get("suppressed"))),
                  json.dumps(f, separators=(",", ":"))) for f in findings),
            )
            conn.execute("COMMIT")
        except BaseException as exc:
            conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.DatabaseError):
                raise StoreError(f"cannot write history store {self.path}: {exc}") from None
            raise
        return scan_id

    # --- reading ------------------------------------------------------------------------------

    _COLUMNS = ("id, started_at, finished_at, tool_version, source, saved_snapshot, collected_at, sources,"
                " coverage_gaps, policies, summary")

    @staticmethod
    def _row(row: tuple[Any, ...]) -> ScanRow:
        (scan_id, started, finished, version, source, saved, collected, sources, gaps, policies, summary) = row
        meta = ScanMeta(started_at=started, finished_at=finished, tool_version=version, source=source,
                        saved_snapshot=saved, collected_at=collected, sources=json.loads(sources),
                        coverage_gaps=gaps, policies=json.loads(policies))
        return ScanRow(id=scan_id, meta=meta, summary=json.loads(summary))

    def scans(self, limit: int | None = None) -> list[ScanRow]:
        """Recorded scans, newest first (recording order), at most ``limit``."""
        with self._reading() as conn:
            rows = conn.execute(f"SELECT {self._COLUMNS} FROM scans ORDER BY id DESC LIMIT ?",
                                (-1 if limit is None else limit,)).fetchall()
        return [self._row(r) for r in rows]

    def scan(self, scan_id: int) -> ScanRow:
        """The scan with this id, or ``UnknownScanError``."""
        with self._reading() as conn:
            row = conn.execute(f"SELECT {self._COLUMNS} FROM scans WHERE id = ?", (scan_id,)).fetchone()
        if row is None:
            raise UnknownScanError(f"no scan {scan_id} in history store {self.path}")
        return self._row(row)

    def previous(self, scan_id: int) -> ScanRow | None:
        """The scan recorded just before ``scan_id``, if any."""
        with self._reading() as conn:
            row = conn.execute(f"SELECT {self._COLUMNS} FROM scans WHERE id < ? ORDER BY id DESC LIMIT 1",
                               (scan_id,)).fetchone()
        return None if row is None else self._row(row)

    def resolve(self, ref: str) -> ScanRow:
        """A scan by id or by reference: ``latest`` (newest) or ``previous`` (the one before it)."""
        if ref in REFS:
            offset = REFS.index(ref)
            found = self.scans(limit=offset + 1)
            if len(found) <= offset:
                have = "no scans" if not found else "only one scan"
                raise UnknownScanError(f"no {ref} scan: history store {self.path} has {have}")
            return found[offset]
        if not ref.isdigit():
            raise UnknownScanError(f"not a scan id: {ref!r} (use a number, latest or previous)")
        return self.scan(int(ref))

    def findings(self, scan_id: int) -> list[dict[str, Any]]:
        """The findings recorded with a scan, as plain-data dicts."""
        with self._reading() as conn:
            rows = conn.execute("SELECT finding FROM findings WHERE scan_id = ? ORDER BY rowid",
                                (scan_id,)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def severity_counts(self, scan_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """Unsuppressed findings per scan and severity."""
        return self._counts("severity", scan_ids)

    def policy_counts(self, scan_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        """Unsuppressed findings per scan and policy."""
        return self._counts("policy", scan_ids)

    def _counts(self, column: str, scan_ids: Iterable[int]) -> dict[int, dict[str, int]]:
        ids = list(scan_ids)
        counts: dict[int, dict[str, int]] = {i: {} for i in ids}
        if not ids:
            return counts
        marks = ",".join("?" * len(ids))
        with self._reading() as conn:
            rows = conn.execute(f"SELECT scan_id, {column}, COUNT(*) FROM findings WHERE suppressed = 0"
                                f" AND scan_id IN ({marks}) GROUP BY scan_id, {column}", ids).fetchall()
        for scan_id, key, n in rows:
            counts[scan_id][key] = n
        return counts
