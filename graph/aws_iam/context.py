"""The request context: which condition keys and policy variables the snapshot can answer.

A key resolves to a list of values, to ``ABSENT`` (known not to be in the
request) or to ``UNKNOWN``. Known from the principal: ``aws:PrincipalArn``,
``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:username`` and
``aws:userid`` (users; absent and unknown for roles respectively, since a
role session's id includes the session name), ``aws:PrincipalTag/*`` (the
principal's tags; session tags are not seen), ``aws:PrincipalOrgID`` (when the
account's organization is known), ``aws:PrincipalIsAWSService``. Known from
the resource: ``aws:ResourceAccount``, ``aws:ResourceOrgID`` and
``aws:ResourceTag/*`` (collected resources only). ``aws:SecureTransport`` is
taken as true: the question is whether the principal *can* act, and every SDK
uses TLS. Anything the caller passes in ``context`` wins (e.g.
``aws:SourceAccount``, ``aws:SourceArn``, ``aws:SourceIp``); every other key
is unknown, which makes a statement testing it conditional.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudwarden.graph.aws_iam.matching import ABSENT, UNKNOWN

DEFAULTS: dict[str, list[str]] = {"aws:securetransport": ["true"]}
_PRINCIPAL_TAG = "aws:principaltag/"
_RESOURCE_TAG = "aws:resourcetag/"


def _values(value: Any) -> object:
    if value is None:
        return ABSENT
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v) for v in value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    return [str(value)]


def _lower_tags(tags: Mapping[str, str] | None) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (tags or {}).items()}


class PrincipalFacts:
    """The condition keys a principal fixes, resolved once per principal."""

    def __init__(self, facts: dict[str, object], tags: Mapping[str, str] | None, tags_known: bool = True) -> None:
        self.facts = facts
        self.tags = _lower_tags(tags)
        self.tags_known = tags_known

    def get(self, key: str) -> object:
        """Value list, ABSENT, or UNKNOWN for a lower-case key."""
        if key.startswith(_PRINCIPAL_TAG):
            if not self.tags_known:
                return UNKNOWN
            tag = self.tags.get(key[len(_PRINCIPAL_TAG):])
            return ABSENT if tag is None else [tag]
        return self.facts.get(key, UNKNOWN)


class ResourceFacts:
    """The condition keys a resource fixes."""

    def __init__(self, account: str | None, org_id: object, tags: Mapping[str, str] | None, tags_known: bool) -> None:
        self.facts: dict[str, object] = {"aws:resourceorgid": org_id}
        self.facts["aws:resourceaccount"] = [account] if account else UNKNOWN
        self.tags = _lower_tags(tags)
        self.tags_known = tags_known

    def get(self, key: str) -> object:
        """Value list, ABSENT, or UNKNOWN for a lower-case key."""
        if key.startswith(_RESOURCE_TAG):
            if not self.tags_known:
                return UNKNOWN
            tag = self.tags.get(key[len(_RESOURCE_TAG):])
            return ABSENT if tag is None else [tag]
        return self.facts.get(key, UNKNOWN)


NO_RESOURCE = ResourceFacts(None, UNKNOWN, None, False)


class RequestContext:
    """Explicit context first, then principal facts, resource facts and defaults."""

    __slots__ = ("explicit", "principal", "resource")

    def __init__(self, principal: PrincipalFacts, resource: ResourceFacts,
                 explicit: Mapping[str, Any] | None = None) -> None:
        self.principal = principal
        self.resource = resource
        self.explicit = {k.lower(): _values(v) for k, v in explicit.items()} if explicit else None

    def __call__(self, key: str) -> object:
        """Resolve a lower-case key (the resolver shape conditions and variables expect)."""
        if self.explicit is not None and key in self.explicit:
            return self.explicit[key]
        value = self.principal.get(key)
        if value is UNKNOWN:
            value = self.resource.get(key)
        if value is UNKNOWN and key in DEFAULTS:
            return DEFAULTS[key]
        return value


def principal_facts(kind: str, arn: str, account: str | None, name: str, unique_id: str | None,
                    tags: Mapping[str, str] | None, org_id: object) -> PrincipalFacts:
    """Facts of an IAM user or role (``kind`` is the node kind)."""
    user = kind == "identity.user"
    facts: dict[str, object] = {
        "aws:principalarn": [arn],
        "aws:principalaccount": [account] if account else UNKNOWN,
        "aws:principaltype": ["User" if user else "AssumedRole"],
        "aws:username": [name] if user else ABSENT,
        "aws:userid": ([unique_id] if unique_id else UNKNOWN) if user else UNKNOWN,
        "aws:principalorgid": org_id,
        "aws:principalisawsservice": ["false"],
        "aws:principalservicename": ABSENT,
    }
    return PrincipalFacts(facts, tags)


def service_facts(service: str) -> PrincipalFacts:
    """Facts of a service principal acting on its own (``ec2.amazonaws.com``)."""
    facts: dict[str, object] = {
        "aws:principalisawsservice": ["true"],
        "aws:principalservicename": [service],
        "aws:principalarn": ABSENT,
        "aws:principalaccount": ABSENT,
        "aws:principalorgid": ABSENT,
        "aws:username": ABSENT,
    }
    return PrincipalFacts(facts, None, tags_known=True)
