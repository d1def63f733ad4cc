"""``tickets sync --to webhook:URL``: signed events, dedup across runs through the state file."""

from __future__ import annotations

import json
from pathlib import Path

from tests.engine.tickets.conftest import FINDINGS, KEY_ROTATION, RESOLVED, WEBHOOK_SECRET, WebhookReceiver


def to(receiver: WebhookReceiver, state: Path) -> tuple[str, ...]:
    return ("--to", f"webhook:{receiver.url}/hooks/T000/B000/XXXXsecretpath", "--state", str(state))


def test_each_new_fingerprint_is_one_opened_event(cli, receiver: WebhookReceiver, tmp_path: Path) -> None:
    result = cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    events = receiver.events()
    assert result.code == 0
    assert [e["event"] for e in events] == ["opened"] * 5
    assert all(e["schema"] == "cloudwarden.ticket-event/v1" and len(e["findings"]) == 1 for e in events)


def test_events_are_signed_with_the_shared_secret(cli, receiver: WebhookReceiver, tmp_path: Path,
                                                  monkeypatch) -> None:
    monkeypatch.setenv("CLOUDWARDEN_WEBHOOK_SECRET", WEBHOOK_SECRET)
    cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    assert receiver.requests and receiver.verified(WEBHOOK_SECRET)
    assert not receiver.verified("another secret")


def test_without_a_secret_events_carry_no_signature(cli, receiver: WebhookReceiver, tmp_path: Path) -> None:
    cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    assert all(r.header("X-Cloudwarden-Signature-256") is None for r in receiver.requests)


def test_a_second_run_sends_nothing_thanks_to_the_state_file(cli, receiver: WebhookReceiver, tmp_path: Path) -> None:
    cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    result = cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    assert result.code == 0 and len(receiver.events()) == 5
    assert json.loads((tmp_path / "state.json").read_text())["schema"] == "cloudwarden.webhook-state/v1"


def test_resolved_then_back_is_one_resolved_then_one_regressed_event(cli, receiver: WebhookReceiver,
                                                                     tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    for findings in (FINDINGS, RESOLVED, RESOLVED, FINDINGS, FINDINGS):
        cli("--findings", findings, *to(receiver, state))
    later = [(e["event"], e["key"]) for e in receiver.events()[5:]]
    assert later == [("resolved", KEY_ROTATION), ("regressed", KEY_ROTATION)]


def test_the_secret_path_of_the_webhook_url_never_appears_in_output(cli, receiver: WebhookReceiver,
                                                                    tmp_path: Path) -> None:
    result = cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    assert "XXXXsecretpath" not in result.out + result.err
    assert "webhook:http://127.0.0.1" in result.out


def test_a_corrupt_state_file_is_exit_2(cli, receiver: WebhookReceiver, tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text("{not json")
    result = cli("--findings", FINDINGS, *to(receiver, tmp_path / "state.json"))
    assert result.code == 2 and "delete it to start over" in result.err and receiver.requests == []
