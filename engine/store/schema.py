"""The history store's schema: a version table and the ordered migrations that build it.

A migration is applied once, in its own ``BEGIN IMMEDIATE`` transaction, and the version row
is written in the same transaction: two processes opening a fresh store at the same moment
serialize on the write lock, and the second sees the first's version and applies nothing.
"""

from __future__ import annotations

import sqlite3

# (version, statements). Append only: a released migration is never edited, a change is a new one.
MIGRATIONS: list[tuple[int, tuple[str, ...]]] = [
    (1, (
        """CREATE TABLE scans (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            tool_version TEXT NOT NULL,
            source TEXT NOT NULL,            -- snapshot path, "live" or "demo"
            saved_snapshot TEXT,             -- where a live scan also wrote its snapshot
            collected_at TEXT,
            sources TEXT NOT NULL,           -- JSON [{cloud, account, regions}]
            clouds TEXT NOT NULL,            -- JSON sorted list
            accounts TEXT NOT NULL,          -- JSON sorted list
            coverage_gaps INTEGER NOT NULL,
            policies TEXT NOT NULL,          -- JSON list of the policy ids evaluated
            policy_count INTEGER NOT NULL,
            summary TEXT NOT NULL            -- JSON Evaluation.summary()
        )""",
        """CREATE TABLE findings (
            scan_id INTEGER NOT NULL REFERENCES scans(id) ON DELETE CASCADE,
            fingerprint TEXT NOT NULL,
            policy TEXT NOT NULL,
            severity TEXT NOT NULL,
            resource_id TEXT NOT NULL,
            resource_kind TEXT NOT NULL,
            cloud TEXT NOT NULL,
            account TEXT,
            suppressed INTEGER NOT NULL,
            finding TEXT NOT NULL,           -- the finding's JSON, as --format json writes it
            PRIMARY KEY (scan_id, fingerprint)
        )""",
        "CREATE INDEX findings_by_fingerprint ON findings (fingerprint)",
        "CREATE INDEX findings_by_policy ON findings (scan_id, policy)",
    )),
]

LATEST_VERSION = MIGRATIONS[-1][0]


class SchemaTooNewError(Exception):
    """The store was written by a newer cloudwarden whose schema this one does not know."""


def current_version(conn: sqlite3.Connection) -> int:
    """The schema version recorded in the store (0 for an empty database)."""
    exists = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'").fetchone()
    if not exists:
        return 0
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the store up to ``LATEST_VERSION``; returns the version it is at.

    ``conn`` must be in autocommit mode (``isolation_level=None``) so that each
    migration's explicit transaction is the only one.
    """
    version = current_version(conn)
    if version > LATEST_VERSION:
        raise SchemaTooNewError(f"schema version {version}, this cloudwarden knows up to {LATEST_VERSION}")
    if version == LATEST_VERSION:
        return version
    for target, statements in MIGRATIONS:
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS schema_version ("
                         "version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)")
            # Re-read under the write lock: another process may have migrated while we waited.
            if current_version(conn) >= target:
                conn.execute("COMMIT")
                continue
            for statement in statements:
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (target,))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    return LATEST_VERSION
