"""``tickets sync --to jira:PROJECT`` against the fake Jira REST API (v3 by default, v2 by option)."""

from __future__ import annotations

from cloudwarden.engine.tickets.jira import description_text

from tests.engine.tickets import fake_jira
from tests.engine.tickets.conftest import FINDINGS, GROWN, KEY_ROTATION, PATH_FINDING, RESOLVED
from tests.engine.tickets.fake_jira import FakeJira

TO = ("--to", "jira:SEC")


def by_fingerprint(jira: FakeJira) -> dict[str, dict]:
    return {label.removeprefix("cloudwarden-fp-"): issue for issue in jira.issues.values()
            for label in issue["fields"]["labels"] if label.startswith("cloudwarden-fp-")}


def test_first_sync_creates_one_issue_per_fingerprint_with_an_adf_description(cli, jira: FakeJira) -> None:
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0, result.err
    issues = by_fingerprint(jira)
    assert len(issues) == 5
    issue = issues[KEY_ROTATION]
    assert issue["fields"]["labels"] == ["cloudwarden", f"cloudwarden-fp-{KEY_ROTATION}"]
    assert issue["fields"]["description"]["type"] == "doc"
    assert f"cloudwarden:fingerprint={KEY_ROTATION}" in description_text(issue["fields"]["description"])


def test_second_sync_with_the_same_findings_writes_nothing(cli, jira: FakeJira) -> None:
    cli("--findings", FINDINGS, *TO)
    before = len(jira.writes())
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0 and len(jira.writes()) == before
    assert sum(len(c) for c in jira.comments.values()) == 0


def test_a_resolved_finding_is_commented_and_transitioned_to_done(cli, jira: FakeJira) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO)
    issue = by_fingerprint(jira)[KEY_ROTATION]
    assert jira.status(issue["key"]) == "Done"
    assert len(jira.comments[issue["key"]]) == 1


def test_a_regression_reopens_through_the_workflow_with_one_comment(cli, jira: FakeJira) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO)
    cli("--findings", FINDINGS, *TO)
    cli("--findings", FINDINGS, *TO)
    issue = by_fingerprint(jira)[KEY_ROTATION]
    assert jira.status(issue["key"]) == "To Do"
    comments = [description_text(c["body"]) for c in jira.comments[issue["key"]]]
    assert comments[1:] == ["cloudwarden: this finding is back (regressed): the latest scan reports it again."]
    assert len(jira.issues) == 5


def test_group_by_policy_edits_the_description_when_resources_change(cli, jira: FakeJira) -> None:
    cli("--findings", FINDINGS, *TO, "--group-by", "policy")
    before = len(jira.writes())
    cli("--findings", GROWN, *TO, "--group-by", "policy")
    assert [(r.method, r.path.rsplit("/", 1)[0]) for r in jira.writes()[before:]] == [("PUT", "/rest/api/3/issue")]
    texts = [description_text(i["fields"]["description"]) for i in jira.issues.values()]
    assert any("arn:aws:s3:::public-assets" in text for text in texts)


def test_paging_with_next_page_token_finds_every_existing_issue(cli, jira: FakeJira) -> None:
    jira.page_limit = 2
    cli("--findings", FINDINGS, *TO)
    seen = len(jira.requests)
    result = cli("--findings", FINDINGS, *TO)
    searches = [r.body for r in jira.requests[seen:] if r.path == "/rest/api/3/search/jql"]
    assert result.code == 0 and len(jira.issues) == 5
    assert len(searches) == 3 and "nextPageToken" not in searches[0] and "nextPageToken" in searches[2]


def test_api_v2_uses_start_at_paging_and_wiki_text_descriptions(cli, jira: FakeJira) -> None:
    jira.page_limit = 2
    cli("--findings", FINDINGS, *TO, "--jira-api", "2")
    seen = len(jira.requests)
    cli("--findings", FINDINGS, *TO, "--jira-api", "2")
    starts = [r.body["startAt"] for r in jira.requests[seen:] if r.path == "/rest/api/2/search"]
    assert starts == [0, 2, 4] and len(jira.issues) == 5 and len(jira.writes()) == 5
    description = by_fingerprint(jira)[PATH_FINDING]["fields"]["description"]
    assert isinstance(description, str) and "{noformat}\nflowchart LR" in description


def test_the_description_of_a_path_finding_has_a_mermaid_code_block(cli, jira: FakeJira) -> None:
    cli("--findings", FINDINGS, *TO)
    doc = by_fingerprint(jira)[PATH_FINDING]["fields"]["description"]
    blocks = [n for n in doc["content"] if n["type"] == "codeBlock" and n["attrs"]["language"] == "mermaid"]
    assert len(blocks) == 1 and blocks[0]["content"][0]["text"].startswith("flowchart LR")


def test_a_429_with_retry_after_is_honoured(cli, jira: FakeJira) -> None:
    jira.inject(FakeJira.rate_limited(seconds=1))
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0 and len(jira.issues) == 5
    assert jira.requests[1].at - jira.requests[0].at >= 1.0


def test_a_bearer_token_in_jira_token_works_without_basic_credentials(cli, jira: FakeJira, monkeypatch) -> None:
    jira.bearer = "pat_bearer_token_4242"
    monkeypatch.delenv("JIRA_EMAIL")
    monkeypatch.delenv("JIRA_API_TOKEN")
    monkeypatch.setenv("JIRA_TOKEN", "pat_bearer_token_4242")
    assert cli("--findings", FINDINGS, *TO).code == 0 and len(jira.issues) == 5


def test_missing_jira_url_is_exit_2(cli, jira: FakeJira, monkeypatch) -> None:
    monkeypatch.delenv("JIRA_URL")
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 2 and "JIRA_URL" in result.err and jira.requests == []


def test_missing_jira_credentials_are_exit_2(cli, jira: FakeJira, monkeypatch) -> None:
    monkeypatch.delenv("JIRA_API_TOKEN")
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 2 and "JIRA_EMAIL and JIRA_API_TOKEN" in result.err


def test_an_unknown_project_is_exit_2_naming_jiras_reason(cli, jira: FakeJira) -> None:
    result = cli("--findings", FINDINGS, "--to", "jira:OPS")
    assert result.code == 2 and "project: Specify a valid project ID or key" in result.err


def test_a_workflow_with_no_way_out_of_done_is_exit_2_naming_the_issue(cli, jira: FakeJira, monkeypatch) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO)
    monkeypatch.setitem(fake_jira.TRANSITIONS, "Done", [])
    result = cli("--findings", FINDINGS, *TO)
    key = by_fingerprint(jira)[KEY_ROTATION]["key"]
    assert result.code == 2 and f"{key} has no transition to a not-done status" in result.err
