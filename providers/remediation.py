"""What a remediation action is, for every cloud: exact API calls planned from live state, then applied.

Actions live with their provider (``providers/<cloud>/remediation/``); the
engine plans, applies, verifies and audits them. The shapes here are plain
data so that a plan can be printed, stored and applied exactly as shown.

Safety rules every action follows (the runner enforces the first two):

- every call names the resource it changes, which must be the finding's
  resource (or a part of it, such as a rule of a firewall);
- no call deletes data, keys or identities: operations whose name says
  delete/terminate/destroy/purge/remove are refused unless the action lists
  the exact operation as a safe removal (a world-open firewall rule is a
  setting, not data);
- ``plan`` and ``state`` only read; ``plan`` returns no calls when the
  resource is already compliant, which is what makes re-runs no-ops.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

_DESTRUCTIVE = re.compile(r"(^|[._])(begin_)?(delete|terminate|destroy|purge|remove|schedule_key_deletion)", re.I)


class RemediationError(Exception):
    """A remediation could not be planned or applied (the message is safe to log)."""


@dataclass(frozen=True)
class Target:
    """The resource of a selected finding, as the findings file names it."""

    finding: str
    policy: str
    resource_id: str
    kind: str
    cloud: str
    account: str | None
    region: str | None
    name: str
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ApiCall:
    """One exact SDK call: ``service`` client, dotted ``operation``, keyword ``params``; ``resource`` it changes."""

    service: str
    operation: str
    params: dict[str, Any]
    resource: str
    region: str | None = None

    def render(self) -> str:
        """The call as a reader would type it: ``s3.put_bucket_encryption(Bucket='b', ...)``."""
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        where = f" [{self.region}]" if self.region else ""
        return f"{self.service}.{self.operation}({args}){where}"

    def to_json(self) -> dict[str, Any]:
        """The call for JSON plans and the audit log."""
        return {"service": self.service, "operation": self.operation, "params": self.params,
                "resource": self.resource, "region": self.region, "call": self.render()}


def is_destructive(operation: str) -> bool:
    """Whether an operation's name says it deletes or removes something."""
    return bool(_DESTRUCTIVE.search(operation))


class Session(Protocol):
    """A cloud connection the actions read and write through."""

    cloud: str

    def actor(self) -> str:
        """Who is making the changes (ARN, object id, service account), for the audit log."""
        ...

    def execute(self, call: ApiCall) -> Any:
        """Run one call exactly as planned; raises on failure."""
        ...

    def read(self, service: str, operation: str, region: str | None = None, **params: Any) -> Any:
        """A read-only call; returns None when the thing read does not exist."""
        ...


class Action(Protocol):
    """A safe, idempotent fix for findings of some policies on one cloud."""

    id: str
    cloud: str
    policies: tuple[str, ...]
    summary: str
    safe_removals: tuple[str, ...]

    def state(self, session: Session, target: Target) -> dict[str, Any]:
        """The settings the action changes, as they are now (before and after state in the audit log)."""
        ...

    def plan(self, session: Session, target: Target, state: dict[str, Any]) -> list[ApiCall]:
        """The calls that would make the resource compliant; empty when it already is."""
        ...
