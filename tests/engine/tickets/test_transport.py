"""The HTTP client: waits it honours, what it retries, where it refuses to go."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from cloudwarden.engine.tickets.errors import TrackerError
from cloudwarden.engine.tickets.transport import HttpClient, Redactor, parse_wait

from tests.engine.tickets.fake_http import FakeServer, Reply, Request

NOW = 1_700_000_000.0


class Echo(FakeServer):
    """200 ``{"ok": true}`` to everything."""

    def route(self, request: Request) -> Reply:
        return Reply(200, {"ok": True, "path": request.path})


@pytest.fixture
def echo() -> Iterator[Echo]:
    with Echo() as server:
        yield server


def client(server: FakeServer, waits: list[float]) -> HttpClient:
    return HttpClient(server.url, "test", sleep=waits.append, max_attempts=3)


def test_retry_after_may_be_delta_seconds_or_an_http_date() -> None:
    when = datetime.fromtimestamp(NOW, UTC) + timedelta(seconds=30)
    assert parse_wait("7", NOW) == 7 and parse_wait(format_datetime(when, usegmt=True), NOW) == 30


def test_a_reset_may_be_epoch_seconds_or_an_iso_timestamp() -> None:
    when = datetime.fromtimestamp(NOW + 12, UTC).isoformat()
    assert parse_wait(str(int(NOW) + 12), NOW) == 12 and parse_wait(when, NOW) == 12


def test_a_503_with_retry_after_is_retried_after_that_wait(echo: Echo) -> None:
    waits: list[float] = []
    echo.inject(Reply(503, None, {"Retry-After": "2"}))
    assert client(echo, waits).request("GET", "/x").json()["ok"] and waits == [2.0]


def test_a_create_is_not_repeated_after_a_server_error(echo: Echo) -> None:
    echo.inject(Reply(502, {"message": "Server Error"}))
    with pytest.raises(TrackerError, match="HTTP 502"):
        client(echo, []).request("POST", "/repos/a/b/issues", body={"title": "t"}, expect=(201,))
    assert len(echo.requests) == 1


def test_a_get_is_retried_after_a_server_error_with_backoff(echo: Echo) -> None:
    waits: list[float] = []
    echo.inject(Reply(500), Reply(502))
    assert client(echo, waits).request("GET", "/x").status == 200 and waits == [0.5, 1.0]


def test_a_rate_limit_without_a_hint_waits_the_default_and_doubles(echo: Echo) -> None:
    waits: list[float] = []
    echo.inject(Reply(429), Reply(403, {"message": "You have exceeded a secondary rate limit"}))
    assert client(echo, waits).request("GET", "/x").status == 200 and waits == [60.0, 120.0]


def test_a_plain_403_is_a_permission_error_not_a_rate_limit(echo: Echo) -> None:
    echo.inject(Reply(403, {"message": "Resource not accessible by integration"}))
    with pytest.raises(TrackerError, match="lacks a permission"):
        client(echo, []).request("GET", "/x")


def test_a_redirect_on_the_same_host_is_followed_with_the_method_kept(echo: Echo) -> None:
    echo.inject(Reply(307, None, {"Location": f"{echo.url}/repositories/42/issues/1"}))
    response = client(echo, []).request("PATCH", "/repos/old/name/issues/1", body={"state": "closed"})
    assert response.json()["path"] == "/repositories/42/issues/1" and echo.requests[1].method == "PATCH"


def test_a_redirect_to_another_host_is_refused(echo: Echo) -> None:
    echo.inject(Reply(301, None, {"Location": "https://elsewhere.example.com/steal"}))
    with pytest.raises(TrackerError, match="another host"):
        client(echo, []).request("GET", "/x")
    assert len(echo.requests) == 1


def test_the_redactor_hides_a_secret_and_its_url_encoded_form() -> None:
    redact = Redactor(["s3cr3t/+=value"])
    assert redact("a s3cr3t/+=value b s3cr3t%2F%2B%3Dvalue c") == "a *** b *** c"
