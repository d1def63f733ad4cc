"""How Azure failures map onto coverage gaps and bad-input errors (exit 2).

Azure SDK exceptions carry multi-line messages with troubleshooting links and,
for ARM errors, the whole response body. Coverage gaps and CLI errors get one
line: the ARM error code and the first line of its message.
"""

from __future__ import annotations

import os
import re

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from cloudwarden.providers.errors import ProviderInputError

MAX_MESSAGE = 300

# ARM error codes that mean "this scope or provider is not usable here" rather than "denied".
NOT_ENABLED_CODES = frozenset(
    {
        "MissingSubscriptionRegistration",
        "SubscriptionNotRegistered",
        "SubscriptionNotFound",
        "DisallowedProvider",
        "NoRegisteredProviderFound",
        "InvalidResourceNamespace",
        "FeatureNotSupportedForAccount",
        "ReadOnlyDisabledSubscription",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {"AuthorizationFailed", "AccessDenied", "Forbidden", "InvalidAuthenticationTokenTenant", "LinkedAuthorizationFailed"}
)
THROTTLED_CODES = frozenset({"TooManyRequests", "RateLimiting", "SubscriptionRequestsThrottled", "ThrottlingError"})

# Environment variables whose values must never appear in a message, whatever an SDK put there.
SECRET_ENV = ("AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_PASSWORD")


class AzureCredentialsError(ProviderInputError):
    """No usable Azure credential, or one that Entra ID or ARM rejected."""


class AzureScopeError(ProviderInputError):
    """A bad scope: an unknown subscription or management group, a bad endpoint, conflicting flags."""


def one_line(text: str) -> str:
    """The first meaningful line of ``text``, bounded, with secret environment values masked."""
    line = next((part.strip() for part in str(text).splitlines() if part.strip()), "")
    for var in SECRET_ENV:
        value = os.environ.get(var)
        if value and len(value) >= 4:
            line = line.replace(value, "***")
    # Bearer tokens never belong in output, whatever an error echoed.
    line = re.sub(r"(?i)bearer\s+[A-Za-z0-9._\-]+", "Bearer ***", line)
    return line if len(line) <= MAX_MESSAGE else line[: MAX_MESSAGE - 3] + "..."


def status_of(exc: BaseException) -> int | None:
    """The HTTP status of an SDK error, when it came from a response."""
    status = getattr(exc, "status_code", None)
    if status is None:
        response = getattr(exc, "response", None)
        status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def error_code(exc: BaseException) -> str:
    """The ARM error code of an SDK error ("" when the response had none)."""
    code = getattr(exc, "error", None)
    code = getattr(code, "code", None) if code is not None else None
    if not code:
        response = getattr(exc, "response", None)
        try:
            body = response.json() if response is not None else None  # type: ignore[union-attr]
        except Exception:  # noqa: BLE001 - a non-JSON body simply has no code
            body = None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            code = body["error"].get("code")
    return str(code or "")


def error_message(exc: BaseException) -> str:
    """A one-line message: the ARM error code and message, never the response dump."""
    code = error_code(exc)
    error = getattr(exc, "error", None)
    message = getattr(error, "message", None) if error is not None else None
    if not message:
        message = getattr(exc, "message", None) or str(exc)
    text = one_line(str(message))
    if code and not text.startswith(code):
        text = f"{code}: {text}"
    return text


def classify(exc: BaseException) -> tuple[str, str]:
    """A (reason, message) pair for a coverage gap."""
    status = status_of(exc)
    code = error_code(exc)
    message = error_message(exc)
    if status == 429 or code in THROTTLED_CODES:
        return "throttled", f"{message} (still throttled after retries)"
    if code in NOT_ENABLED_CODES:
        return "not_enabled", message
    if status in (401, 403) or code in ACCESS_DENIED_CODES or isinstance(exc, ClientAuthenticationError):
        return "access_denied", message
    if isinstance(exc, ResourceNotFoundError) or status == 404:
        return "not_enabled", message
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return "error", f"connection failed: {message}"
    if isinstance(exc, HttpResponseError):
        return "error", message
    return "error", one_line(f"{type(exc).__name__}: {exc}")
