"""How AWS API failures map onto coverage gaps and credential errors."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
    ReadTimeoutError,
)

ACCESS_DENIED = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedAccess",
        "Forbidden",
        "AWSOrganizationsNotInUseException",
    }
)
THROTTLED = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "SlowDown",
        "RequestThrottled",
        "RequestThrottledException",
        "ProvisionedThroughputExceededException",
    }
)
NOT_ENABLED = frozenset(
    {
        "OptInRequired",
        "SubscriptionRequiredException",
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "AuthFailure",
        "UnsupportedOperation",
        "InvalidAction",
        "UnknownOperationException",
    }
)


class AwsCredentialsError(Exception):
    """No usable credentials, a missing profile, or a role that cannot be assumed."""


def error_code(exc: ClientError) -> str:
    """The AWS error code of a client error ("" when the response had none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def classify(exc: Exception) -> tuple[str, str]:
    """A (reason, message) pair for a coverage gap; messages never carry credentials."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = str(exc.response.get("Error", {}).get("Message", "")) or code
        text = f"{code}: {message}" if code else message
        if code in ACCESS_DENIED or (status == 403 and code not in NOT_ENABLED):
            return "access_denied", text
        if code in THROTTLED or status == 429:
            return "throttled", f"{text} (still throttled after retries)"
        if code in NOT_ENABLED:
            return "not_enabled", text
        return "error", text
    if isinstance(exc, EndpointConnectionError):
        return "not_enabled", f"service endpoint not reachable: {exc}"
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError)):
        return "error", f"timed out: {exc}"
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError, ProfileNotFound, NoRegionError)):
        return "error", str(exc)
    if isinstance(exc, BotoCoreError):
        return "error", str(exc)
    return "error", f"{type(exc).__name__}: {exc}"
