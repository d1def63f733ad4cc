"""Safe, idempotent AWS fixes: one module per service, each action a small class.

``ACTIONS`` is the registry the engine plans from; ``connect`` opens the
session the actions read and write through (the standard boto3 chain, so
``AWS_PROFILE`` and ``AWS_ENDPOINT_URL`` apply as they do to collection).
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.providers.aws.errors import error_code
from cloudwarden.providers.aws.remediation import ec2, iam, kms, rds, s3
from cloudwarden.providers.remediation import Action, ApiCall, RemediationError

ACTIONS: tuple[Action, ...] = (*s3.ACTIONS, *kms.ACTIONS, *ec2.ACTIONS, *rds.ACTIONS, *iam.ACTIONS)

# Error codes that mean "the thing read is not configured", not a failure.
_ABSENT = frozenset({
    "ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration",
    "NoSuchBucketPolicy",
})


class AwsSession:
    """A boto3 session for remediation; clients are cached per (service, region)."""

    cloud = "aws"

    def __init__(self, profile: str | None = None, default_region: str = "us-east-1") -> None:
        try:
            self._session = boto3.session.Session(profile_name=profile)
        except BotoCoreError as exc:
            raise RemediationError(f"AWS credentials: {exc}") from exc
        self._region = self._session.region_name or default_region
        self._clients: dict[tuple[str, str], Any] = {}
        self._actor: str | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        """A client with standard retries (throttling is retried, never reported as a failed fix)."""
        key = (service, region or self._region)
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service, region_name=key[1], config=Config(retries={"mode": "standard", "max_attempts": 5}))
        return self._clients[key]

    def actor(self) -> str:
        """The caller's ARN (``sts:GetCallerIdentity``)."""
        if self._actor is None:
            try:
                self._actor = self.client("sts").get_caller_identity()["Arn"]
            except (ClientError, BotoCoreError) as exc:
                raise RemediationError(f"AWS credentials: cannot identify the caller ({exc})") from exc
        return self._actor

    def execute(self, call: ApiCall) -> Any:
        """Run one planned call; API errors become ``RemediationError`` with the error code."""
        try:
            return getattr(self.client(call.service, call.region), call.operation)(**call.params)
        except ClientError as exc:
            raise RemediationError(f"{call.service}.{call.operation}: {error_code(exc)}: "
                                   f"{exc.response.get('Error', {}).get('Message', '')}".strip()) from exc
        except BotoCoreError as exc:
            raise RemediationError(f"{call.service}.{call.operation}: {exc}") from exc

    def read(self, service: str, operation: str, region: str | None = None, **params: Any) -> Any:
        """A read call; None when AWS says the configuration does not exist."""
        try:
            return getattr(self.client(service, region), operation)(**params)
        except ClientError as exc:
            if error_code(exc) in _ABSENT:
                return None
            raise RemediationError(f"{service}.{operation}: {error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise RemediationError(f"{service}.{operation}: {exc}") from exc


def connect(profile: str | None = None) -> AwsSession:
    """The session remediation runs with."""
    return AwsSession(profile)


def connect_from_args(args: Any) -> AwsSession:
    """The session that ``remediate aws [flags]`` asks for (``--profile``)."""
    return AwsSession(getattr(args, "profile", None))
