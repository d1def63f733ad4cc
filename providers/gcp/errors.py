"""How Google Cloud API failures map onto coverage gaps and bad-input errors.

Over the REST transport a denied call raises ``Forbidden`` (gRPC gives its
subclass ``PermissionDenied``); an API that is not enabled is a 403 too, told
apart by the ``ErrorInfo`` reason ``SERVICE_DISABLED`` (or the older
``accessNotConfigured`` entry in ``error.errors``). Throttling is a 429
(``TooManyRequests`` / ``ResourceExhausted``), retried before it becomes a gap.
"""

from __future__ import annotations

import re

from google.api_core import exceptions as api_exceptions
from google.auth import exceptions as auth_exceptions

from cloudwarden.graph.model import CoverageGap
from cloudwarden.providers.errors import ProviderInputError

NOT_ENABLED_REASONS = frozenset({"SERVICE_DISABLED", "accessNotConfigured", "SERVICE_NOT_ACTIVATED", "API_DISABLED"})
NOT_ENABLED_PHRASES = ("has not been used in project", "it is disabled", "is not enabled")
RETRYABLE = (
    api_exceptions.TooManyRequests,  # ResourceExhausted is a subclass
    api_exceptions.ServiceUnavailable,
    api_exceptions.InternalServerError,
    api_exceptions.BadGateway,
    api_exceptions.GatewayTimeout,
    api_exceptions.DeadlineExceeded,
)
MAX_MESSAGE = 300
# REST errors start with "GET <url with every query parameter>: "; the gap names the scope already.
_REQUEST_PREFIX = re.compile(r"^(GET|POST|PUT|PATCH|DELETE) \S+: ")


class GcpCredentialsError(ProviderInputError):
    """No usable Google credentials (ADC, key file or impersonation): exit 2, message without secrets."""


class GcpScopeError(ProviderInputError):
    """A scope flag naming a project, folder or organization that does not exist or cannot be used."""


def error_reasons(exc: api_exceptions.GoogleAPICallError) -> set[str]:
    """Every machine-readable reason of an API error (``ErrorInfo.reason`` and legacy ``errors[].reason``)."""
    reasons = {exc.reason} if exc.reason else set()
    for item in exc.errors or ():
        if isinstance(item, dict) and item.get("reason"):
            reasons.add(str(item["reason"]))
    return reasons


def is_not_enabled(exc: api_exceptions.GoogleAPICallError) -> bool:
    """Whether a 403 says the API is not enabled in the project (rather than access denied)."""
    if error_reasons(exc) & NOT_ENABLED_REASONS:
        return True
    text = str(exc.message or "")
    return any(phrase in text for phrase in NOT_ENABLED_PHRASES)


def _short(text: str) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 3] + "..."


def classify(exc: BaseException) -> tuple[str, str]:
    """A (reason, message) pair for a coverage gap; the message is one line and never carries a token."""
    if isinstance(exc, api_exceptions.RetryError):
        cause = exc.cause
        if isinstance(cause, api_exceptions.TooManyRequests):
            return classify(cause)
        if cause is not None and cause is not exc:
            reason, message = classify(cause)
            return reason, _short(f"gave up after retries: {message}")
        return "error", _short(str(exc.message))
    if isinstance(exc, api_exceptions.GoogleAPICallError):
        message = _REQUEST_PREFIX.sub("", str(exc.message or type(exc).__name__))
        if isinstance(exc, api_exceptions.Forbidden):
            return ("not_enabled" if is_not_enabled(exc) else "access_denied"), _short(message)
        if isinstance(exc, api_exceptions.Unauthorized):
            return "access_denied", _short(f"credentials rejected: {message}")
        if isinstance(exc, api_exceptions.TooManyRequests):
            return "throttled", _short(f"still throttled after retries: {message}")
        if isinstance(exc, api_exceptions.MethodNotImplemented):
            return "unsupported", _short(message)
        return "error", _short(f"{exc.code or ''} {message}".strip())
    if isinstance(exc, auth_exceptions.RefreshError):
        # The text of a RefreshError can echo the token endpoint's answer; the type is enough.
        return "access_denied", "credentials could not be refreshed"
    if isinstance(exc, auth_exceptions.GoogleAuthError):
        return "error", f"authentication failed ({type(exc).__name__})"
    return "error", _short(f"{type(exc).__name__}: {exc}")


def gap_for(exc: BaseException, service: str, operation: str, resource: str | None) -> CoverageGap:
    """The coverage gap for a failed call on ``resource`` (a scope, project, folder or role)."""
    reason, message = classify(exc)
    return CoverageGap(service=service, reason=reason, message=message, operation=operation,  # type: ignore[arg-type]
                       resource=resource)
