"""``tickets sync --to github:OWNER/REPO`` against the fake GitHub REST API."""

from __future__ import annotations

import itertools

from cloudwarden.engine.tickets.body import read_marker
from cloudwarden.engine.tickets.model import group_key

from tests.engine.tickets.conftest import (
    ALICE_MFA,
    FINDINGS,
    GROWN,
    KEY_ROTATION,
    PATH_FINDING,
    RESOLVED,
    SUPPRESSED,
    SUPPRESSED_LOGGING,
)
from tests.engine.tickets.fake_github import FakeGitHub
from tests.engine.tickets.fake_http import Reply

TO = ("--to", "github:acme/infra")


def by_key(github: FakeGitHub) -> dict[str, dict]:
    return {read_marker(i["body"])[0]: i for i in github.tickets()}


def test_first_sync_opens_one_labelled_issue_per_unsuppressed_fingerprint(cli, github: FakeGitHub) -> None:
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0, result.err
    issues = by_key(github)
    assert len(issues) == 5 and SUPPRESSED_LOGGING not in issues
    assert all([lab["name"] for lab in i["labels"]] == ["cloudwarden"] for i in issues.values())
    assert issues[KEY_ROTATION]["title"] == ("[cloudwarden] medium: Customer-managed keys rotate automatically: "
                                             "alias/payments")


def test_second_sync_with_the_same_findings_writes_nothing(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    before = len(github.writes())
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0
    assert len(github.writes()) == before
    assert "no change; 5 unchanged" in result.out


def test_a_resolved_finding_closes_its_issue_with_one_comment(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO)
    issue = by_key(github)[KEY_ROTATION]
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert [c["body"] for c in github.comments[issue["number"]]] == [
        "cloudwarden: the finding is no longer present in the latest scan. Closing."]


def test_on_resolved_comment_leaves_the_issue_open_and_comments_only_once(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO, "--on-resolved", "comment")
    cli("--findings", RESOLVED, *TO, "--on-resolved", "comment")
    issue = by_key(github)[KEY_ROTATION]
    assert issue["state"] == "open"
    assert "cloudwarden-resolved" in [lab["name"] for lab in issue["labels"]]
    assert len(github.comments[issue["number"]]) == 1


def test_a_regression_reopens_the_closed_issue_with_one_regressed_comment(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO)
    result = cli("--findings", FINDINGS, *TO)
    cli("--findings", FINDINGS, *TO)  # and a rerun adds nothing
    issue = by_key(github)[KEY_ROTATION]
    assert (issue["state"], issue["state_reason"]) == ("open", "reopened")
    assert [c["body"] for c in github.comments[issue["number"]]][1:] == [
        "cloudwarden: this finding is back (regressed): the latest scan reports it again."]
    assert len(github.tickets()) == 5 and "regressed" in result.out


def test_a_regression_under_on_resolved_comment_drops_the_resolved_label(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO, "--on-resolved", "comment")
    cli("--findings", FINDINGS, *TO, "--on-resolved", "comment")
    issue = by_key(github)[KEY_ROTATION]
    assert [lab["name"] for lab in issue["labels"]] == ["cloudwarden"]
    assert len(github.comments[issue["number"]]) == 2


def test_a_suppressed_finding_is_resolved_as_not_planned(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", SUPPRESSED, *TO)
    issue = by_key(github)[ALICE_MFA]
    assert (issue["state"], issue["state_reason"]) == ("closed", "not_planned")
    assert "suppressed" in github.comments[issue["number"]][0]["body"]


def test_group_by_policy_opens_one_issue_per_policy_listing_its_resources(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO, "--group-by", "policy")
    issues = by_key(github)
    assert len(issues) == 4  # bucket-not-public holds two buckets; logging is suppressed
    body = issues[group_key("bucket-not-public")]["body"]
    assert "`arn:aws:s3:::customer-data`" in body and "`arn:aws:s3:::backups`" in body
    assert "2 resources fail policy `bucket-not-public`" in body


def test_group_by_policy_updates_the_body_when_the_resource_set_changes(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO, "--group-by", "policy")
    writes = len(github.writes())
    result = cli("--findings", GROWN, *TO, "--group-by", "policy")
    issue = by_key(github)[group_key("bucket-not-public")]
    assert "`arn:aws:s3:::public-assets`" in issue["body"]
    assert [(r.method, r.path) for r in github.writes()[writes:]] == [("PATCH", f"/repos/acme/infra/issues/{issue['number']}")]
    assert sum(len(c) for c in github.comments.values()) == 0 and "updated" in result.out


def test_paging_across_several_pages_finds_every_existing_issue(cli, monkeypatch) -> None:
    with FakeGitHub(token="tok_paging_123", page_limit=2) as github:
        monkeypatch.setenv("GITHUB_TOKEN", "tok_paging_123")
        for n in range(4):  # issues of people, with and without the label, and a pull request
            github.add_issue(f"unrelated {n}", "no marker", ("cloudwarden",) if n % 2 else ())
        github.add_issue("a pull request", "<!-- cloudwarden:fingerprint=0123abcd -->", ("cloudwarden",),
                         pull_request=True)
        cli("--findings", FINDINGS, *TO, "--api-url", github.url)
        seen = len(github.requests)
        result = cli("--findings", FINDINGS, *TO, "--api-url", github.url)
        pages = [r.query.get("page", "1") for r in github.requests[seen:]]
    assert result.code == 0 and "no change; 5 unchanged" in result.out
    assert pages == ["1", "2", "3", "4"]  # 2 labelled by people + 1 pull request + 5 tickets, 2 a page


def test_closed_issues_are_found_again_because_the_listing_asks_for_every_state(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    cli("--findings", RESOLVED, *TO)
    cli("--findings", FINDINGS, *TO)
    listings = [r.query for r in github.requests if r.method == "GET"]
    assert all(q["state"] == "all" and q["labels"] == "cloudwarden" for q in listings)
    assert len(github.tickets()) == 5


def test_the_body_of_a_path_finding_draws_its_attack_path_in_mermaid(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    body = by_key(github)[PATH_FINDING]["body"]
    mermaid = body.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    assert mermaid.startswith("flowchart LR")
    assert '-->|"reaches tcp 22"|' in mermaid and '-->|"runs_as profile web"|' in mermaid


def test_the_body_carries_the_hidden_fingerprint_marker_first(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    body = by_key(github)[KEY_ROTATION]["body"]
    assert body.startswith(f"<!-- cloudwarden:fingerprint={KEY_ROTATION} cloudwarden:digest=")


def test_a_primary_rate_limit_is_waited_out_until_the_reset(cli, github: FakeGitHub, caplog) -> None:
    github.inject(FakeGitHub.rate_limited(seconds=1))
    reset = int(github.injected[0].headers["x-ratelimit-reset"])
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0 and len(github.tickets()) == 5
    assert github.requests[1].at >= reset and "rate limited; waiting" in caplog.text


def test_a_secondary_rate_limit_with_retry_after_is_honoured(cli, github: FakeGitHub) -> None:
    github.inject(Reply(429, {"message": "You have exceeded a secondary rate limit."}, {"retry-after": "1"}))
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 0 and len(github.tickets()) == 5
    assert github.requests[1].at - github.requests[0].at >= 1.0


def test_a_rate_limit_longer_than_max_wait_stops_with_exit_2(cli, github: FakeGitHub) -> None:
    github.inject(FakeGitHub.rate_limited(seconds=3600))
    result = cli("--findings", FINDINGS, *TO, "--max-wait", "5")
    assert result.code == 2 and "rate limited" in result.err and "rerun later" in result.err
    assert github.tickets() == []


def test_a_wrong_token_is_exit_2_with_one_line(cli, github: FakeGitHub, monkeypatch) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_not_the_right_one")
    result = cli("--findings", FINDINGS, *TO)
    assert result.code == 2 and result.out == ""
    assert result.err.count("\n") == 1 and "HTTP 401: Bad credentials" in result.err


def test_gh_token_is_used_when_github_token_is_absent(cli, github: FakeGitHub, monkeypatch) -> None:
    token = github.token
    monkeypatch.delenv("GITHUB_TOKEN")
    monkeypatch.setenv("GH_TOKEN", token)
    assert cli("--findings", FINDINGS, *TO).code == 0 and len(github.tickets()) == 5


def test_dry_run_prints_the_plan_and_changes_nothing(cli, github: FakeGitHub) -> None:
    result = cli("--findings", FINDINGS, *TO, "--dry-run")
    assert result.code == 0 and github.writes() == [] and github.tickets() == []
    assert result.out.count("plan:open") == 5 and "5 to be opened" in result.out


def test_a_label_scopes_the_sync_so_two_estates_share_a_repository(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO, "--label", "estate-prod")
    cli("--findings", RESOLVED, *TO, "--label", "estate-dev")
    prod = [i for i in github.tickets() if [lab["name"] for lab in i["labels"]] == ["cloudwarden", "estate-prod"]]
    assert len(prod) == 5 and all(i["state"] == "open" for i in prod)
    assert len(github.tickets()) == 9


def test_findings_below_min_severity_get_no_issue(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO, "--min-severity", "high")
    assert sorted(i["title"].split(":")[0] for i in github.tickets()) == ["[cloudwarden] critical"] * 3 + [
        "[cloudwarden] high"]


def test_a_failure_midway_stops_and_a_rerun_finishes_without_duplicates(cli, github: FakeGitHub) -> None:
    creates = iter(range(100))
    github.fail_when(lambda r: r.method == "POST" and r.path.endswith("/issues") and next(creates) == 2,
                     Reply(500, {"message": "Server Error"}))
    failed = cli("--findings", FINDINGS, *TO)
    assert failed.code == 2 and failed.out.count("opened") == 2 and len(github.tickets()) == 2
    assert cli("--findings", FINDINGS, *TO).code == 0
    assert len(github.tickets()) == 5 and len({read_marker(i["body"])[0] for i in github.tickets()}) == 5


def test_a_second_issue_with_the_same_fingerprint_is_reported_and_left_alone(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO)
    copy = by_key(github)[KEY_ROTATION]
    github.add_issue("copied by hand", copy["body"], ("cloudwarden",))
    result = cli("--findings", RESOLVED, *TO)
    assert "duplicate tickets left alone: #6" in result.out
    assert github.issues[6]["state"] == "open" and github.issues[copy["number"]]["state"] == "closed"


def test_writes_to_github_are_spaced_by_the_write_interval(cli, github: FakeGitHub) -> None:
    cli("--findings", FINDINGS, *TO, "--write-interval", "0.1")
    times = [r.at for r in github.writes()]
    assert len(times) == 5 and min(b - a for a, b in itertools.pairwise(times)) >= 0.09
