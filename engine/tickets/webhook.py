"""Webhook destination: one signed JSON ``POST`` per change, state kept in a local JSON file.

Events (``cloudwarden.ticket-event/v1``): ``opened``, ``updated``, ``regressed``, ``resolved``,
each with the key, title, severity, policy, the findings (none for ``resolved``: they are gone)
and the Markdown body. Headers: ``X-Cloudwarden-Event``, ``X-Cloudwarden-Delivery`` (a fresh id
per event, the same across retries: receivers dedupe on it) and, when
``CLOUDWARDEN_WEBHOOK_SECRET`` is set, ``X-Cloudwarden-Signature-256: sha256=HEX``, the
HMAC-SHA256 of the raw body with that secret (verify it before parsing; the signed body carries
``sent_at`` for a replay window).

A webhook has no memory, so dedup across runs lives in a state file: ``--state PATH``, default
``<user data dir>/cloudwarden/webhooks/<hash of the URL>.json``. It is rewritten atomically after
every delivered event, so a run that fails midway records exactly what was sent. Resolution is
one ``resolved`` event whatever ``--on-resolved`` says (a webhook has nothing to close).
The URL's path and query are treated as secret (chat webhooks embed their token there): output
and logs show only the scheme and host.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.parse
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec
from cloudwarden.engine.tickets.body import TicketContent, markdown, ticket_content
from cloudwarden.engine.tickets.errors import CredentialsError, TicketsInputError
from cloudwarden.engine.tickets.model import SAFE_KEY, TicketDraft
from cloudwarden.engine.tickets.sync import RemoteTicket
from cloudwarden.engine.tickets.transport import HttpClient, Redactor
from cloudwarden.graph.snapshot import atomic_write_bytes
from platformdirs import user_data_dir

STATE_SCHEMA = "cloudwarden.webhook-state/v1"
EVENT_SCHEMA = "cloudwarden.ticket-event/v1"
SIGNATURE_HEADER = "X-Cloudwarden-Signature-256"
EVENT_HEADER = "X-Cloudwarden-Event"
DELIVERY_HEADER = "X-Cloudwarden-Delivery"
SECRET_ENV = "CLOUDWARDEN_WEBHOOK_SECRET"


def url_id(url: str) -> str:
    """A short stable id of a webhook URL (state file name), revealing nothing of it."""
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def default_state_path(url: str) -> Path:
    """Where the state of ``url`` lives unless ``--state`` says otherwise."""
    return Path(user_data_dir("cloudwarden")) / "webhooks" / f"{url_id(url)}.json"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_client(url: str, redactor: Redactor, **options: Any) -> tuple[HttpClient, str]:
    """A client on the URL's origin and the (secret) path it posts to."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CredentialsError("webhook:URL needs an http(s) URL")
    if parts.username or parts.password:
        raise CredentialsError("the webhook URL must not carry credentials")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    redactor.add(url, path if len(path) > 1 else None, parts.query or None)
    client = HttpClient(f"{parts.scheme}://{parts.netloc}", "webhook", redactor=redactor,
                        **{"retry_unsafe": True, "default_wait": 5.0, **options})
    return client, path


def _load_state(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise TicketsInputError(f"webhook state file {path}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(data)
    except ValueError:
        raise TicketsInputError(f"webhook state file {path} is not JSON; delete it to start over") from None
    if not isinstance(doc, dict) or doc.get("schema") != STATE_SCHEMA or not isinstance(doc.get("tickets"), dict):
        raise TicketsInputError(f"webhook state file {path} is not {STATE_SCHEMA}; delete it to start over")
    return {k: v for k, v in doc["tickets"].items() if SAFE_KEY.match(k) and isinstance(v, dict)}


class WebhookTracker:
    """Events to one URL; ``existing`` is what earlier runs sent, read from the state file."""

    name = "webhook"

    def __init__(self, url: str, client: HttpClient, path: str, state_path: Path, env: Mapping[str, str]) -> None:
        self.client = client
        self.path = path
        self.state_path = state_path
        self.target = url_id(url)
        self.secret = env.get(SECRET_ENV) or None
        client.redactor.add(self.secret)
        self.tickets = _load_state(state_path)

    def existing(self) -> list[RemoteTicket]:
        """The tickets earlier runs announced, open or resolved."""
        return [RemoteTicket(key=key, ref=key[:12], is_open=entry.get("status") == "open",
                             title=str(entry.get("title") or ""), digest=entry.get("digest"), native=key)
                for key, entry in self.tickets.items()]

    def _deliver(self, event: str, key: str, fields: dict[str, Any]) -> None:
        payload = {"schema": EVENT_SCHEMA, "event": event, "key": key,
                   "sent_at": datetime.now(UTC).isoformat(timespec="seconds"), **fields}
        body = json.dumps(payload, sort_keys=True, default=str).encode()
        headers = {EVENT_HEADER: event, DELIVERY_HEADER: uuid.uuid4().hex}
        if self.secret:
            headers[SIGNATURE_HEADER] = sign(self.secret, body)
        self.client.request("POST", self.path, raw=body, headers=headers, expect=(200, 201, 202, 204))

    def _save(self) -> None:
        doc = {"schema": STATE_SCHEMA, "target": self.target, "tickets": self.tickets}
        try:
            atomic_write_bytes(self.state_path, json.dumps(doc, indent=2, sort_keys=True).encode())
        except OSError as exc:
            raise TicketsInputError(f"webhook state file {self.state_path}: {exc.strerror or exc}") from None

    def _announce(self, event: str, draft: TicketDraft, content: TicketContent, extra: dict[str, Any]) -> None:
        self._deliver(event, content.key, {
            "group_by": draft.group_by, "title": content.title, "severity": draft.severity,
            "policy": draft.policy, "findings": msgspec.to_builtins(list(draft.findings)),
            "body": markdown(content), **extra})
        self.tickets[content.key] = {"status": "open", "digest": content.digest, "title": content.title,
                                     "policy": draft.policy, "group_by": draft.group_by}
        self._save()

    def open(self, draft: TicketDraft, content: TicketContent) -> RemoteTicket:
        """An ``opened`` event."""
        self._announce("opened", draft, content, {})
        return RemoteTicket(key=content.key, ref=content.key[:12], is_open=True, title=content.title,
                            digest=content.digest, native=content.key)

    def update(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent) -> None:
        """An ``updated`` event (the content changed)."""
        self._announce("updated", draft, content, {})

    def regress(self, ticket: RemoteTicket, draft: TicketDraft, content: TicketContent | None, comment: str) -> None:
        """A ``regressed`` event with the current content."""
        self._announce("regressed", draft, content or ticket_content(draft), {"comment": comment})

    def resolve(self, ticket: RemoteTicket, comment: str, close: bool, reason: str) -> None:
        """A ``resolved`` event with the reason (resolved, suppressed, below threshold)."""
        entry = self.tickets.get(ticket.key, {})
        self._deliver("resolved", ticket.key, {"group_by": entry.get("group_by"), "title": ticket.title,
                                               "policy": entry.get("policy"), "reason": reason, "comment": comment,
                                               "findings": []})
        self.tickets[ticket.key] = {**entry, "status": "resolved"}
        self._save()
