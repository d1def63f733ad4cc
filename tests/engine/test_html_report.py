"""``--format html``: a self-contained report, checked as a browser sees it (headless Chromium).

Chromium is Debian's package at /usr/bin/chromium (``.ci/run`` installs it). Without it the
browser tests are skipped, except under CI (``CI`` set) where a missing browser is a failure.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import msgspec
import pytest
from tests.engine.conftest import sample_evaluation
from cloudwarden.engine.cli import main
from cloudwarden.engine.findings import Evaluation
from cloudwarden.engine.outputs import RunInfo, html_report
from cloudwarden.engine.policy import Policy
from cloudwarden.graph.model import Node
from cloudwarden.graph.snapshot import Snapshot, write_snapshot

CHROMIUM = Path("/usr/bin/chromium")
INSTANCE = "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc1234def567890"
ROLE = "arn:aws:iam::123456789012:role/web-<b>role</b>"
# A resource load anywhere in the page would be one of these (a namespace or "#" reference is not).
EXTERNAL_LOAD = re.compile(r"""(?:\b(?:src|href|xlink:href|action|poster|data|srcset)\s*=\s*["']?\s*(?:https?:)?//)"""
                           r"""|url\(\s*["']?\s*(?!#)|@import""", re.IGNORECASE)


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.requests.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def beacon() -> Iterator[str]:
    """A local server that records any request: the report must never make one."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def evaluation(beacon: str) -> Evaluation:
    """The sample run (five findings, the low one suppressed) plus a three-hop attack path whose
    instance is named ``<script>...`` and whose message holds an ``<img onerror>``; one bucket
    name tries to load from the beacon."""
    found = sample_evaluation(with_path=True)
    bucket = found.findings[0]
    bucket.resource = msgspec.structs.replace(bucket.resource, name=f'<img src="{beacon}/pixel.png">')
    bucket.message = f"see {beacon}/page and <a href='{beacon}/x'>this</a>"
    return found


@pytest.fixture(scope="module")
def page(evaluation: Evaluation, policies: tuple[Policy, ...]) -> str:
    trend = tuple({"id": i, "finished_at": f"2025-03-0{i}T00:00:00Z",
                   "by_severity": {"critical": i, "high": 2, "medium": 1, "low": 0, "info": 1}} for i in (1, 2, 3))
    info = RunInfo(tool_version="0.1.0", snapshot="estate.json.gz", collected_at="2025-03-01T12:00:00Z",
                   policies=policies, trend=trend)
    return html_report.render(evaluation, info)


def chromium() -> str:
    found = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if found:
        return found
    if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        pytest.fail("CI needs Chromium for the HTML report test (.ci/run installs Debian's chromium)")
    pytest.skip("Chromium is not installed (/usr/bin/chromium): the HTML report is not rendered in a browser")


@pytest.fixture(scope="module")
def dom(page: str, tmp_path_factory: pytest.TempPathFactory, beacon: str) -> str:
    """The page's DOM after its script ran, as headless Chromium serializes it."""
    browser = chromium()
    folder = tmp_path_factory.mktemp("html")
    report = folder / "report.html"
    report.write_text(page, encoding="utf-8")
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={folder / 'profile'}", "--dump-dom", report.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


# --- the page as written ------------------------------------------------------------------------


def test_page_requests_nothing_from_anywhere(page: str) -> None:
    assert EXTERNAL_LOAD.search(page) is None, EXTERNAL_LOAD.search(page)
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src &#x27;none&#x27;" in csp and "img-src &#x27;none&#x27;" in csp


def test_inline_style_and_script_are_allowed_by_their_hashes_only(page: str) -> None:
    for tag in ("style", "script"):
        (body,) = re.findall(f"<{tag}>(.*?)</{tag}>", page, re.DOTALL)
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"{tag}-src &#x27;sha256-{digest}&#x27;" in page
    assert "unsafe-inline" not in page


def test_every_value_is_escaped(page: str) -> None:
    assert "<script>document.title" not in page and "&lt;script&gt;document.title=&#x27;pwned&#x27;" in page
    assert "<img" not in page and "<b>role" not in page and "<a href" not in page


def test_compliance_summary_counts_controls_per_framework(page: str) -> None:
    nist = re.search(r'data-framework="nist-800-53-r5"><summary>(.*?)</summary>', page).group(1)
    assert re.sub("<[^>]+>", "", nist).startswith("nist-800-53-r5: ")
    assert "control(s) failing" in nist
    assert '<tr data-status="fail"><td>SC-7</td>' in page


def test_trend_is_an_inline_chart_with_a_point_per_scan(page: str) -> None:
    chart = re.search(r'<svg class="trend".*?</svg>', page, re.DOTALL).group(0)
    assert chart.count("<circle") == 3 * 5  # three scans, five severities
    assert "scan #3 2025-03-03T00:00:00Z: 3 critical" in chart


def test_without_history_the_trend_says_why(evaluation: Evaluation) -> None:
    page = html_report.render(evaluation, RunInfo(tool_version="0.1.0"))
    assert '<svg class="trend"' not in page and "No scan history" in page


# --- the page in a browser ----------------------------------------------------------------------


def test_missing_chromium_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(f"{__name__}.CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setenv("CI", "1")
    with pytest.raises(pytest.fail.Exception, match="CI needs Chromium"):
        chromium()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        chromium()


def test_browser_shows_the_severity_counts(dom: str) -> None:
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', dom))
    assert counts == {"critical": "1", "high": "2", "medium": "1", "low": "0", "info": "1", "findings": "5",
                      "suppressed": "1", "undetermined": "1", "coverage_gaps": "2", "errors": "1"}


def test_browser_ran_the_script_and_hid_suppressed_findings(dom: str) -> None:
    assert 'data-ready="1"' in dom
    assert re.search(r'id="shown-count"[^>]*>5 of 6 findings shown<', dom)
    assert len(re.findall(r'<tr [^>]*data-suppressed="1"[^>]*hidden', dom)) == 1


def test_browser_draws_the_attack_path_with_its_hop_nodes_and_edges(dom: str) -> None:
    figure = re.search(r'<figure class="path" data-finding="[0-9a-f]+">(?:(?!</figure>).)*?instance/i-0abc.*?</figure>',
                       dom, re.DOTALL).group(0)
    nodes = re.findall(r'<g class="node [a-z]+" data-node-id="([^"]+)"', figure)
    assert nodes == ["internet", INSTANCE, ROLE.replace("<", "&lt;").replace(">", "&gt;"), "arn:aws:s3:::customer-data"]
    edges = re.findall(r'<g class="edge" data-edge="(\w+)"', figure)
    assert edges == ["reaches", "runs_as", "can_access"]
    assert ">reaches(tcp 443)</text>" in figure


def test_browser_ran_no_injected_markup_and_loaded_nothing(dom: str, beacon: str) -> None:
    assert "<title>cloudwarden report</title>" in dom  # the injected script would have renamed the page
    assert len(re.findall(r"<script\b", dom)) == 1
    assert "<img" not in dom and "<b>" not in dom
    assert _Recorder.requests == []


# --- through the command line ------------------------------------------------------------------


def test_scan_html_report_charts_the_recorded_history(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    snapshot = tmp_path / "estate.json"
    write_snapshot(Snapshot(nodes=[Node(id="arn:aws:s3:::plain", cloud="aws", kind="storage.bucket", name="plain",
                                        props={"encryption": {"at_rest": False}})]), snapshot)
    args = ["scan", "--snapshot", str(snapshot), "--policy", "storage-encrypted-at-rest"]
    main(args)
    report = tmp_path / "report.html"
    assert main([*args, "--format", "html", "-o", str(report)]) == 0
    chart = re.search(r'<svg class="trend".*?</svg>', report.read_text(), re.DOTALL).group(0)
    assert "scan #1" in chart and "scan #2" in chart
