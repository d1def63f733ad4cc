"""Native AWS payloads: fetched with their outcome, then made fit for a snapshot.

Made fit means datetimes as ISO strings, secret-bearing fields dropped and tags as maps.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Literal

from botocore.exceptions import BotoCoreError, ClientError

from cloudwarden.providers.aws.context import AwsContext
from cloudwarden.providers.aws.errors import error_code

Outcome = Literal["ok", "absent", "failed"]


def fetch(
    ctx: AwsContext, client: Any, operation: str, resource: str, absent: tuple[str, ...] = (), **kwargs: Any
) -> tuple[Outcome, dict[str, Any] | None]:
    """Like ``ctx.call``, but telling "not configured" (``absent``) from "could not read" (``failed``, a gap).

    Facts such as "no bucket policy, so not public" need the difference: absent
    is a clean answer, failed leaves the fact unknown.
    """
    try:
        return "ok", getattr(client, operation)(**kwargs)
    except ClientError as exc:
        if error_code(exc) in absent:
            return "absent", None
        ctx.record_gap(exc, operation=operation, resource=resource)
    except BotoCoreError as exc:
        ctx.record_gap(exc, operation=operation, resource=resource)
    return "failed", None


def raw_payload(value: Any, drop: Iterable[str] = ()) -> Any:
    """A JSON-friendly copy of ``value``; keys named in ``drop`` are removed at every depth.

    ``drop`` is how a collector keeps secrets (environment values, hyperparameters)
    out of ``raw``: the field is removed wherever it appears.
    """
    dropped = frozenset(drop)
    return _clean(value, dropped)


def _clean(value: Any, drop: frozenset[str]) -> Any:
    if isinstance(value, dict):
        return {k: _clean(v, drop) for k, v in value.items() if k not in drop and k != "ResponseMetadata"}
    if isinstance(value, (list, tuple)):
        return [_clean(v, drop) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return None  # blobs (zip files, certificates) do not belong in a snapshot
    return value


def tag_map(tags: Any) -> dict[str, str]:
    """Tags as a map, from either ``[{"Key": k, "Value": v}]`` or an already-flat dict."""
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    out: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key", tag.get("TagKey"))
        if key is not None:
            out[str(key)] = str(tag.get("Value", tag.get("TagValue", "")))
    return out
