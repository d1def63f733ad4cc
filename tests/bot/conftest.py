"""The scheduled bot, run in-process night after night: scan, diff, tickets sync, remediate.

``NightlyBot`` runs exactly the README's nightly job through ``cloudwarden.engine.cli.main``
(with ``remediate --apply``): the scan is recorded in a history store in tmp
(``CLOUDWARDEN_STORE``), the diff compares ``previous`` with ``latest``, tickets go to the local
GitHub fake (``GITHUB_TOKEN`` + ``--api-url``), fixes are audited to one JSON-lines log. Each
step must exit 0; ``night()`` returns what each step produced, and every word printed is kept
in ``transcript`` (log records in ``caplog``) so a test can prove no secret was. The ``check_*`` functions are the bot's
guarantees, shared by the AWS, Azure and GCP tests.

The Azure and GCP collection fakes are re-exported here so the bot tests get servers of their
own (session-scoped fixtures are instantiated per defining conftest).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cloudwarden.engine.cli import main
from cloudwarden.engine.remediation.audit import read_audit_log
from cloudwarden.engine.tickets.body import read_marker

from tests.engine.tickets.fake_github import FakeGitHub
from tests.providers.azure.conftest import azure_fake, azure_fake_server  # noqa: F401 (fixtures)
from tests.providers.gcp.conftest import gcp_fake, gcp_fake_server, gcp_key_file  # noqa: F401 (fixtures)

GITHUB_TOKEN = "ghp_NightlyBotToken_0123456789abcdef"
REPO = "acme/sec"
CHANGE_EVENTS = ("started", "applied", "unverified", "failed")
# Final entries: outcomes of a change, and plan outcomes recorded as they are (compliant when planned).
FINAL_EVENTS = frozenset({"applied", "failed", "unverified", "refused", "already_compliant", "skipped", "compliant",
                          "error"})


@dataclass
class Night:
    """What one night's run produced."""

    findings: dict[str, dict[str, Any]]  # the scan's findings by fingerprint
    diff: dict[str, Any]
    sync: dict[str, Any]  # tickets sync --format json
    remediation: dict[str, Any]  # remediate --format json
    audit: list[dict[str, Any]]  # the audit entries this night appended

    def synced(self, action: str) -> set[str]:
        """Fingerprints whose ticket the sync acted on with ``action`` (open, close, update...)."""
        return {c["key"] for c in self.sync["changes"] if c["action"] == action}

    def fixes(self, *statuses: str) -> list[dict[str, Any]]:
        """The remediation's fixes with one of these statuses."""
        return [f for f in self.remediation["fixes"] if f["status"] in statuses]


@dataclass
class NightlyBot:
    """The nightly job for one cloud: ``scan`` and ``remediate`` words, the rest is the same everywhere."""

    workdir: Path
    github: FakeGitHub
    capsys: pytest.CaptureFixture[str]
    caplog: pytest.LogCaptureFixture
    scan_args: list[str]
    remediate_args: list[str]
    transcript: list[str] = field(default_factory=list)
    nights: int = 0

    @property
    def audit_log(self) -> Path:
        """The remediation audit log, shared by every night."""
        return self.workdir / "remediation-audit.jsonl"

    def run(self, *argv: str) -> str:
        """One ``cloudwarden`` command, which must exit 0; returns its stdout."""
        code = main(list(argv))
        out, err = self.capsys.readouterr()
        self.transcript += [out, err]
        assert code == 0, f"cloudwarden {' '.join(argv[:3])} exited {code}: {err[-2000:]}"
        return out

    def sync(self, findings: Path) -> dict[str, Any]:
        """``tickets sync`` of a findings file to the GitHub fake, as JSON."""
        return json.loads(self.run("tickets", "sync", "--findings", str(findings), "--to", f"github:{REPO}",
                                   "--api-url", self.github.url, "--write-interval", "0", "--format", "json"))

    def night(self) -> Night:
        """Scan (recorded), diff previous/latest, sync tickets, remediate with --apply."""
        self.nights += 1
        run = self.workdir / f"night-{self.nights}"
        run.mkdir()
        logged = len(read_audit_log(self.audit_log)) if self.audit_log.exists() else 0
        self.run("-q", "scan", *self.scan_args, "--format", "json", "-o", str(run / "findings.json"))
        self.run("diff", "previous", "latest", "--format", "json", "-o", str(run / "diff.json"))
        sync = self.sync(run / "findings.json")
        self.run("remediate", *self.remediate_args, "--findings", str(run / "findings.json"), "--apply",
                 "--audit-log", str(self.audit_log), "--format", "json", "-o", str(run / "remediation.json"))
        findings = json.loads((run / "findings.json").read_text())["findings"]
        return Night(findings={f["id"]: f for f in findings}, diff=json.loads((run / "diff.json").read_text()),
                     sync=sync, remediation=json.loads((run / "remediation.json").read_text()),
                     audit=read_audit_log(self.audit_log)[logged:])

    def files_written(self) -> list[str]:
        """The text of every file the nights wrote (findings, diffs, plans, the audit log)."""
        return [p.read_text() for p in [*sorted(self.workdir.glob("night-*/*")), self.audit_log] if p.is_file()]


@pytest.fixture
def github(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    """The GitHub fake holding acme/sec, with its token in ``GITHUB_TOKEN`` (and no other GitHub setting)."""
    for name in ("GH_TOKEN", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with FakeGitHub(token=GITHUB_TOKEN, repo=REPO) as fake:
        monkeypatch.setenv("GITHUB_TOKEN", GITHUB_TOKEN)
        yield fake


@pytest.fixture
def nightly(tmp_path: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
            monkeypatch: pytest.MonkeyPatch) -> NightlyBot:
    """A bot with its history store in tmp (``CLOUDWARDEN_STORE``, as the README's job sets it); no clouds yet.

    Log records at INFO and above are kept too (``-v`` would print them), for the secret check.
    """
    monkeypatch.setenv("CLOUDWARDEN_STORE", str(tmp_path / "history.sqlite3"))
    monkeypatch.delenv("CLOUDWARDEN_AUDIT_LOG", raising=False)
    caplog.set_level(logging.INFO)
    return NightlyBot(tmp_path, github, capsys, caplog, scan_args=[], remediate_args=[])


# -- the bot's guarantees -----------------------------------------------------------------------


def check_first_night(night: Night) -> None:
    """Everything is new, one ticket is opened per finding, every selected fix is applied and verified."""
    assert night.diff["summary"]["new"] == len(night.findings) and night.diff["summary"]["resolved"] == 0
    assert night.synced("open") == set(night.findings)
    assert {c["action"] for c in night.sync["changes"]} == {"open"}
    assert night.fixes("applied"), "the first night fixes something"
    assert night.fixes("failed", "unverified", "error", "refused", "skipped") == []


def check_second_night(bot: NightlyBot, first: Night, second: Night, resolved: set[str]) -> None:
    """The remediated findings are resolved and nothing is new; their tickets close, no other ticket moves."""
    assert {f["finding"] for f in first.fixes("applied")} <= resolved
    assert {f["id"] for f in second.diff["new"]} == set()
    assert {f["id"] for f in second.diff["resolved"]} == resolved == set(first.findings) - set(second.findings)
    assert second.synced("close") == resolved
    assert second.synced("open") == second.synced("regress") == set()
    tickets = bot.github.tickets()
    keys = [read_marker(t["body"])[0] for t in tickets]
    assert sorted(keys) == sorted(set(first.findings) | set(second.findings)), "one ticket per fingerprint ever seen"
    closed = {k for k, t in zip(keys, tickets) if t["state"] == "closed"}
    assert closed == resolved


def check_rerun_is_a_no_op(bot: NightlyBot, second: Night) -> None:
    """Night 2's remediation changes nothing; a third sync of the same findings writes nothing."""
    assert {f["status"] for f in second.remediation["fixes"]} <= {"compliant", "no_action"}
    assert [e for e in second.audit if e["event"] in CHANGE_EVENTS] == []
    writes = len(bot.github.writes())
    third = bot.sync(bot.workdir / "night-2" / "findings.json")
    assert third["changes"] == [] and len(bot.github.writes()) == writes


def check_left_for_ticket(bot: NightlyBot, first: Night, second: Night, fingerprint: str) -> None:
    """A selected finding with no safe action is planned as such, stays, and its ticket stays open."""
    [fix] = [f for f in first.remediation["fixes"] if f["finding"] == fingerprint]
    assert (fix["status"], fix["action"], fix["calls"]) == ("no_action", None, [])
    assert fingerprint in second.findings
    [ticket] = [t for t in bot.github.tickets() if read_marker(t["body"])[0] == fingerprint]
    assert ticket["state"] == "open"


def check_audit_log(bot: NightlyBot, actor: str) -> None:
    """Every line parses; each change has a ``started`` entry then one final entry, with who, when, before/after."""
    entries = [json.loads(line) for line in bot.audit_log.read_text().splitlines()]  # every line is JSON
    assert entries and not [e for e in entries if e["event"] == "refused"]
    for e in entries:
        assert e["event"] in FINAL_EVENTS | {"started"}
        assert e["time"] and e["operator"] and e["actor"] == actor and e["finding"] and e["action"]
    for i, start in enumerate(entries):
        if start["event"] != "started":
            continue
        [end] = [e for e in entries[i + 1:] if e["finding"] == start["finding"] and e["event"] != "started"][:1]
        assert end["event"] == "applied" and end["verified"] is True and end["time"] >= start["time"]
        assert end["calls"] == start["calls"] and [c["call"] for c in end["calls"]] == end["completed_calls"]
        assert end["before"] == start["before"] and end["after"] not in (None, end["before"])
    started = {e["finding"] for e in entries if e["event"] == "started"}
    assert started == {e["finding"] for e in entries if e["event"] == "applied"}


def check_no_secret(bot: NightlyBot, *secrets: str) -> None:
    """No token or secret in anything printed, written, audited or ticketed."""
    tickets = [json.dumps([bot.github.issues, bot.github.comments])]
    texts = [*bot.transcript, bot.caplog.text, *bot.files_written(), *tickets]
    for secret in (GITHUB_TOKEN, *secrets):
        assert secret and not [t for t in texts if secret in t]
